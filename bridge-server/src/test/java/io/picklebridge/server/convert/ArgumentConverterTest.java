package io.picklebridge.server.convert;

import io.picklebridge.pickle.PyByteArray;
import io.picklebridge.pickle.PyTuple;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ArgumentConverterTest {
    enum Colour { RED, GREEN }

    // generic types captured from fields
    List<Integer> listOfInteger;
    Map<String, List<Long>> mapOfLists;
    Set<String> setOfString;
    Optional<Double> optionalDouble;
    Iterable<Short> iterableOfShort;

    private static Type field(String name) throws NoSuchFieldException {
        return ArgumentConverterTest.class.getDeclaredField(name).getGenericType();
    }

    @Test
    void intsConvertToEveryIntegerTypeWithRangeChecks() throws Exception {
        assertEquals(3, ArgumentConverter.convert(3L, int.class));
        assertEquals((short) -7, ArgumentConverter.convert(-7L, Short.class));
        assertEquals((byte) 127, ArgumentConverter.convert(127L, byte.class));
        assertEquals(1L, ArgumentConverter.convert(true, long.class));
        ConversionException tooBig = assertThrows(ConversionException.class,
                () -> ArgumentConverter.convert(3_000_000_000L, int.class));
        assertTrue(tooBig.overflow());
        assertEquals("expects int, got int 3000000000 out of range", tooBig.getMessage());
        ConversionException huge = assertThrows(ConversionException.class,
                () -> ArgumentConverter.convert(BigInteger.TWO.pow(70), long.class));
        assertTrue(huge.overflow());
        assertThrows(ConversionException.class, () -> ArgumentConverter.convert(128L, byte.class));
    }

    @Test
    void floatsNeverBecomeIntsButIntsBecomeFloats() throws Exception {
        ConversionException e = assertThrows(ConversionException.class, () -> ArgumentConverter.convert(1.5, int.class));
        assertEquals("expects int, got float", e.getMessage());
        assertFalse(e.overflow());
        assertEquals(2.0, ArgumentConverter.convert(2L, double.class));
        assertEquals(1.5f, ArgumentConverter.convert(1.5, float.class));
        assertEquals(Math.pow(2, 70), ArgumentConverter.convert(BigInteger.TWO.pow(70), Double.class));
    }

    @Test
    void mismatchNamesBothTypes() {
        ConversionException e = assertThrows(ConversionException.class, () -> ArgumentConverter.convert("x", double.class));
        assertEquals("expects double, got str", e.getMessage());
        e = assertThrows(ConversionException.class, () -> ArgumentConverter.convert(null, int.class));
        assertEquals("expects int, got NoneType", e.getMessage());
        e = assertThrows(ConversionException.class, () -> ArgumentConverter.convert(PyTuple.of(1L), String.class));
        assertEquals("expects String, got tuple", e.getMessage());
    }

    @Test
    void sequencesConvertElementByElement() throws Exception {
        List<Object> pythonList = new ArrayList<>(List.of(1L, 2L, 3L));
        assertEquals(List.of(1, 2, 3), ArgumentConverter.convert(pythonList, field("listOfInteger")));
        assertEquals(List.of(1, 2), ArgumentConverter.convert(PyTuple.of(1L, 2L), field("listOfInteger")));
        assertArrayEquals(new double[] {1.0, 2.5}, (double[]) ArgumentConverter.convert(List.of(1L, 2.5), double[].class));
        assertArrayEquals(new int[] {4, 5}, (int[]) ArgumentConverter.convert(new long[] {4, 5}, int[].class));
        assertArrayEquals(new String[] {"a", "b"}, (String[]) ArgumentConverter.convert(PyTuple.of("a", "b"), String[].class));
        Object shorts = ArgumentConverter.convert(new LinkedHashSet<>(List.of(1L, 2L)), field("iterableOfShort"));
        assertEquals(List.of((short) 1, (short) 2), shorts);
        assertEquals(new LinkedHashSet<>(List.of("x", "y")), ArgumentConverter.convert(List.of("x", "y"), field("setOfString")));
        ConversionException e = assertThrows(ConversionException.class,
                () -> ArgumentConverter.convert(List.of(1L, "two"), field("listOfInteger")));
        assertEquals("expects List<Integer>, got list whose item 1 expects Integer, got str", e.getMessage());
    }

    @Test
    void untypedCollectionsPassThroughUnchanged() throws Exception {
        List<Object> pythonList = new ArrayList<>(List.of(1L, "a"));
        assertSame(pythonList, ArgumentConverter.convert(pythonList, List.class));
        Map<Object, Object> dict = new LinkedHashMap<>(Map.of("k", 1L));
        assertSame(dict, ArgumentConverter.convert(dict, Map.class));
        assertSame(dict, ArgumentConverter.convert(dict, Object.class));
    }

    @Test
    void dictsConvertKeysAndValues() throws Exception {
        Map<Object, Object> dict = new LinkedHashMap<>();
        dict.put("a", new ArrayList<>(List.of(1L, 2L)));
        dict.put("b", PyTuple.of());
        Object converted = ArgumentConverter.convert(dict, field("mapOfLists"));
        assertEquals(Map.of("a", List.of(1L, 2L), "b", List.of()), converted);
        dict.put(3L, List.of());
        ConversionException e = assertThrows(ConversionException.class,
                () -> ArgumentConverter.convert(dict, field("mapOfLists")));
        assertTrue(e.getMessage().contains("at key 3"), e.getMessage());
    }

    @Test
    void noneOptionalEnumsAndOtherTypes() throws Exception {
        assertEquals(Optional.empty(), ArgumentConverter.convert(null, field("optionalDouble")));
        assertEquals(Optional.of(2.0), ArgumentConverter.convert(2L, field("optionalDouble")));
        assertNull(ArgumentConverter.convert(null, String.class));
        assertEquals(Colour.GREEN, ArgumentConverter.convert("GREEN", Colour.class));
        ConversionException e = assertThrows(ConversionException.class, () -> ArgumentConverter.convert("BLUE", Colour.class));
        assertTrue(e.getMessage().contains("[RED, GREEN]"), e.getMessage());
        assertEquals(new BigDecimal("1.5"), ArgumentConverter.convert(1.5, BigDecimal.class));
        assertEquals(BigInteger.valueOf(5), ArgumentConverter.convert(5L, BigInteger.class));
        assertEquals(Duration.ofMillis(1500), ArgumentConverter.convert(1.5, Duration.class));
        LocalDate day = LocalDate.of(2024, 2, 29);
        assertSame(day, ArgumentConverter.convert(day, LocalDate.class));
        byte[] bytes = {1, 2};
        assertSame(bytes, ArgumentConverter.convert(new PyByteArray(bytes), byte[].class));
        assertEquals('x', ArgumentConverter.convert("x", char.class));
        assertEquals(PyTuple.of(1L, 2L), ArgumentConverter.convert(Arrays.asList(1L, 2L), PyTuple.class));
    }
}
