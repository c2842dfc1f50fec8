package io.picklebridge.client;

import io.picklebridge.pickle.PyArray;
import io.picklebridge.pickle.PyByteArray;
import io.picklebridge.pickle.PyTuple;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.LocalDate;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static io.picklebridge.client.ResultConverter.convert;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Conversions of decoded results to the Java type a typed call asks for. */
class ResultConverterTest {
    @Test
    void integersAreRangeChecked() {
        assertEquals(Integer.MAX_VALUE, convert((long) Integer.MAX_VALUE, Integer.class, "w"));
        assertEquals(-1, convert(-1L, int.class, "w"));
        assertEquals((short) 7, convert(7L, Short.class, "w"));
        assertEquals(Long.MAX_VALUE, convert(BigInteger.valueOf(Long.MAX_VALUE), Long.class, "w"));
        ResultTypeException tooBig = assertThrows(ResultTypeException.class, () -> convert(1L << 31, Integer.class, "w"));
        assertEquals("w returned int 2147483648, which cannot be converted to java.lang.Integer: it does not fit in Integer",
                tooBig.getMessage());
        assertThrows(ResultTypeException.class, () -> convert(BigInteger.TWO.pow(64), long.class, "w"));
        assertThrows(ResultTypeException.class, () -> convert(300L, byte.class, "w"));
        assertThrows(ResultTypeException.class, () -> convert(1.5, Long.class, "w"));
    }

    @Test
    void numbersWiden() {
        assertEquals(3.0, convert(3L, Double.class, "w"));
        assertEquals(2.5f, convert(2.5, float.class, "w"));
        assertEquals(BigInteger.TEN, convert(10L, BigInteger.class, "w"));
        assertEquals(new BigDecimal("0.1"), convert(0.1, BigDecimal.class, "w"));
        assertEquals(new BigDecimal("12"), convert(12L, BigDecimal.class, "w"));
    }

    @Test
    void noneIsNullButNotAPrimitive() {
        assertNull(convert(null, Integer.class, "w"));
        assertNull(convert(null, String.class, "w"));
        ResultTypeException e = assertThrows(ResultTypeException.class, () -> convert(null, int.class, "w"));
        assertEquals("w returned None, which cannot be converted to int: None has no int value", e.getMessage());
    }

    @Test
    void sequencesBecomeArraysElementByElement() {
        assertArrayEquals(new long[] {1, 2}, convert(List.of(1L, 2L), long[].class, "w"));
        assertArrayEquals(new Integer[] {1, null}, convert(PyTuple.of(1L, null), Integer[].class, "w"));
        assertArrayEquals(new String[][] {{"a"}, {"b", "c"}},
                convert(List.of(List.of("a"), PyTuple.of("b", "c")), String[][].class, "w"));
        assertArrayEquals(new double[] {1.5, 2.5}, convert(new LinkedHashSet<>(List.of(1.5, 2.5)), double[].class, "w"));
        long[] storage = {4, 5};
        assertArrayEquals(storage, convert(PyArray.ofLongs('q', storage), long[].class, "w"));
        assertArrayEquals(new double[] {4, 5}, convert(PyArray.ofLongs('q', storage), double[].class, "w"));
        ResultTypeException e = assertThrows(ResultTypeException.class,
                () -> convert(List.of(List.of(1L), List.of(2L, "x")), long[][].class, "w"));
        assertEquals("w returned, at [1][1], str 'x', which does not convert to long", e.getMessage());
    }

    @Test
    void collectionsStringsEnumsBytes() {
        PyTuple tuple = PyTuple.of(1L, 2L);
        assertSame(tuple, convert(tuple, List.class, "w"));
        assertEquals(List.of(1L), convert(Set.of(1L), List.class, "w"));
        assertEquals(Set.of(1L, 2L), convert(tuple, Set.class, "w"));
        assertEquals(Map.of("a", 1L), convert(Map.of("a", 1L), Map.class, "w"));
        assertEquals('x', convert("x", char.class, "w"));
        assertThrows(ResultTypeException.class, () -> convert("xy", Character.class, "w"));
        assertEquals(TimeUnit.DAYS, convert("DAYS", TimeUnit.class, "w"));
        assertThrows(ResultTypeException.class, () -> convert("WEEKS", TimeUnit.class, "w"));
        assertArrayEquals(new byte[] {1, 2}, convert(new PyByteArray(new byte[] {1, 2}), byte[].class, "w"));
        assertEquals(LocalDate.of(2026, 1, 2), convert(LocalDate.of(2026, 1, 2), LocalDate.class, "w"));
        assertEquals("obj", convert("obj", Object.class, "w"));
        ResultTypeException e = assertThrows(ResultTypeException.class, () -> convert(Map.of(), List.class, "w"));
        assertEquals("w returned dict of 0 items, which does not convert to java.util.List", e.getMessage());
    }
}
