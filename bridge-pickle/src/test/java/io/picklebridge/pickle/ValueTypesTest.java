package io.picklebridge.pickle;

import static org.junit.jupiter.api.Assertions.*;

import java.math.BigInteger;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The value types' own behaviour: equality, hashing, normalisation, accessors. */
class ValueTypesTest {
    @Test
    void tuplesAreValueKeys() {
        Map<Object, String> m = Map.of(PyTuple.of(1L, "a"), "x");
        assertEquals("x", m.get(PyTuple.of(1L, "a")));
        assertEquals("(1,)", PyTuple.of(1L).toString());
        assertThrows(UnsupportedOperationException.class, () -> PyTuple.of(1L).add(2L));
        assertEquals(PyTuple.of(new byte[] {1}), PyTuple.of(new byte[] {1})); // bytes by content inside tuples
        assertNotEquals(PyTuple.of(1L, PyTuple.of(2L)), PyTuple.of(1L, PyTuple.of(3L)));
    }

    @Test
    void frozenSetsAreImmutableValuesThatRefuseUnhashableMembers() {
        PyFrozenSet s = PyFrozenSet.of(1L, "a");
        assertEquals(Set.of(1L, "a"), s);
        assertEquals(new HashSet<>(List.of(1L, "a")).hashCode(), s.hashCode());
        assertThrows(UnsupportedOperationException.class, () -> s.add(2L));
        assertThrows(PickleRefusedException.class, () -> PyFrozenSet.of(new java.util.ArrayList<>()));
        assertThrows(PickleRefusedException.class, () -> PyFrozenSet.of(PyTuple.of(new java.util.ArrayList<>())));
        assertEquals("frozenset()", PyFrozenSet.of().toString());
    }

    @Test
    void fractionsAreNormalised() {
        assertEquals(PyFraction.of(-3, 4), PyFraction.of(6, -8));
        assertEquals(BigInteger.valueOf(4), PyFraction.of(6, -8).denominator());
        assertThrows(ArithmeticException.class, () -> PyFraction.of(1, 0));
    }

    @Test
    void rangesKnowTheirLength() {
        assertEquals(5, new PyRange(0, 10, 2).length());
        assertEquals(0, new PyRange(5, 0, 1).length());
        assertEquals(3, new PyRange(3, 0, -1).length());
        assertThrows(IllegalArgumentException.class, () -> new PyRange(0, 1, 0));
    }

    @Test
    void arraysReadAsPythonDoes() {
        PyArray q = PyArray.ofLongs('Q', new long[] {-1});
        assertEquals(new BigInteger("18446744073709551615"), q.get(0));
        PyArray b = PyArray.of('B', new byte[] {-1, 2});
        assertArrayEquals(new long[] {255, 2}, b.asLongs());
        assertEquals(255L, b.get(0));
        PyArray u = PyArray.of('u', new int[] {'h', 0x1F600});
        assertEquals("h\ud83d\ude00", u.asString());
        assertArrayEquals(new double[] {1.5}, PyArray.of('f', new float[] {1.5f}).asDoubles());
        assertThrows(IllegalArgumentException.class, () -> PyArray.of('q', new int[] {1}));
        assertThrows(IllegalArgumentException.class, () -> PyArray.of('z', new int[] {1}));
        assertEquals(PyArray.ofDoubles(new double[] {1}), PyArray.ofDoubles(new double[] {1}));
    }

    @Test
    void dictFlavoursKeepTheirKind() {
        PyDefaultDict a = new PyDefaultDict(new PyGlobal("builtins", "int"));
        PyDefaultDict b = new PyDefaultDict(new PyGlobal("builtins", "list"));
        assertNotEquals(a, b);
        assertEquals(new PyDefaultDict(null), new PyDefaultDict(null));
        PyCounter c = new PyCounter();
        c.put("a", 1L);
        assertEquals(Map.of("a", 1L), c);
    }

    @Test
    void objectsHashShallowly() {
        PyObject deep = new PyObject(new PyGlobal("m", "C"), PyObject.Construction.REDUCE, PyTuple.of(List.of(List.of(1L))), null);
        PyObject same = new PyObject(new PyGlobal("m", "C"), PyObject.Construction.REDUCE, PyTuple.of(List.of(List.of(1L))), null);
        assertEquals(deep, same);
        assertEquals(deep.hashCode(), same.hashCode());
        assertEquals("<global m.C>", new PyGlobal("m", "C").toString());
    }
}
