package io.picklebridge.pickle.numpy;

import io.picklebridge.pickle.PickleCodec;
import io.picklebridge.pickle.PickleException;
import io.picklebridge.pickle.PyByteArray;
import io.picklebridge.pickle.PyComplex;
import io.picklebridge.pickle.PyObject;
import io.picklebridge.pickle.PyTuple;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** NdArray, DType and NumpyScalar in Java alone: typed access, views, conversions, refusals. */
class NdArrayTest {
    private final PickleCodec codec = NumpySupport.codec();

    @Test
    void fortranOrderReadsInCOrder() {
        ByteBuffer data = ByteBuffer.allocate(24).order(ByteOrder.BIG_ENDIAN);
        for (int v : new int[] {1, 4, 2, 5, 3, 6}) data.putInt(v);
        data.flip();
        NdArray a = NdArray.wrap(DType.parse(">i4"), data, 'F', 2, 3);   // [[1,2,3],[4,5,6]]
        assertTrue(a.isFContiguous());
        assertFalse(a.isCContiguous());
        assertArrayEquals(new int[] {1, 2, 3, 4, 5, 6}, a.toIntArray());
        assertArrayEquals(new long[] {4, 5, 6}, a.index(1).toLongArray());
        assertArrayEquals(new int[] {8}, a.index(1).strides());
        assertEquals(5L, a.get(1, 1));
        assertThrows(IllegalStateException.class, () -> a.index(1).asByteBuffer(), "a strided view has no single buffer");
    }

    @Test
    void asByteBufferSharesTheWrappedBytes() {
        byte[] bytes = new byte[16];
        NdArray a = NdArray.wrap(DType.FLOAT64, ByteBuffer.wrap(bytes), 'C', 2);
        ByteBuffer view = a.asByteBuffer();
        view.putDouble(8, 2.5);
        assertEquals(2.5, a.toDoubleArray()[1]);
        assertEquals(2.5, a.asDoubleBuffer().get(1));
    }

    @Test
    void conversionsWidenAndRefuseLoss() {
        assertArrayEquals(new double[] {1, -2}, NdArray.of(1L, -2L).toDoubleArray());
        assertArrayEquals(new long[] {1, 0}, NdArray.of(true, false).toLongArray());
        assertThrows(IllegalStateException.class, () -> NdArray.of(1.5).toLongArray());
        assertThrows(ArithmeticException.class, () -> NdArray.of(1L << 40).toIntArray());
        NdArray u8 = NdArray.wrap(DType.UINT64, ByteBuffer.wrap(new byte[] {-1, -1, -1, -1, -1, -1, -1, -1}), 'C', 1);
        assertThrows(ArithmeticException.class, u8::toLongArray);
        assertEquals(new BigInteger("18446744073709551615"), u8.get(0));
        assertEquals(1.8446744073709552E19, u8.toDoubleArray()[0]);
    }

    @Test
    void float16AndComplexItems() {
        // 0x3c00 = 1.0, 0xc000 = -2.0, 0x7c00 = inf, 0x0001 = smallest subnormal 2^-24
        ByteBuffer half = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putShort((short) 0x3c00)
                .putShort((short) 0xc000).putShort((short) 0x7c00).putShort((short) 1).flip();
        assertArrayEquals(new float[] {1f, -2f, Float.POSITIVE_INFINITY, (float) Math.pow(2, -24)},
                NdArray.wrap(DType.FLOAT16, half, 'C', 4).toFloatArray());
        ByteBuffer c = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putDouble(1.5).putDouble(-2).flip();
        assertEquals(new PyComplex(1.5, -2), NdArray.wrap(DType.COMPLEX128, c, 'C').get());
        assertThrows(IllegalStateException.class, () -> NdArray.wrap(DType.COMPLEX128, c, 'C').toDoubleArray());
    }

    @Test
    void dtypeStrings() {
        for (String s : List.of("<f8", ">f4", "<f2", "|b1", "|i1", "|u1", ">i8", "<u4", "<c16", "|O", "<M8[ns]", ">m8[s]", "|S5", "<U3")) {
            assertEquals(s, DType.parse(s).str(), s);
        }
        assertEquals("float64", DType.FLOAT64.name());
        assertEquals("datetime64[ns]", DType.parse("<M8[ns]").name());
        assertThrows(IllegalArgumentException.class, () -> DType.parse("<f3"));
    }

    @Test
    void scalarsAreNumbers() {
        assertEquals(1.5, NumpyScalar.of(1.5f).doubleValue());
        assertEquals(7, NumpyScalar.of(7L).intValue());
        assertEquals(true, NumpyScalar.of(true).value());
        assertEquals(NumpyScalar.of(3L), codec.loads(codec.dumps(NumpyScalar.of(3L))));
    }

    @Test
    void arraysRoundTripThroughTheCodecAtEveryProtocol() {
        NdArray a = NdArray.of(0.0, 1, 2, 3, 4, 5).reshape(2, 3);
        for (int p = 2; p <= 5; p++) assertEquals(a, codec.loads(codec.dumps(a, p)), "protocol " + p);
        NdArray objects = NdArray.ofObjects(List.of("a", 2L));
        assertEquals(objects, codec.loads(codec.dumps(objects)));
    }

    @Test
    void wrongSizedDataIsAPickleError() {
        // _frombuffer(bytearray(7 bytes), float64, (1,), 'C'): 7 bytes cannot hold a float64
        PyObject bad = new PyObject(NumpyRecipes.FROMBUFFER, PyObject.Construction.REDUCE,
                PyTuple.of(new PyByteArray(new byte[7]), DType.FLOAT64, PyTuple.of(1L), "C"), null);
        byte[] pickle = codec.dumps(bad);
        PickleException e = assertThrows(PickleException.class, () -> codec.loads(pickle));
        assertTrue(e.getMessage().contains("needs 8 bytes, got 7"), e.getMessage());
        // a shape that overflows
        PyObject huge = new PyObject(NumpyRecipes.FROMBUFFER, PyObject.Construction.REDUCE,
                PyTuple.of(new PyByteArray(new byte[8]), DType.FLOAT64, PyTuple.of(1L << 30, 1L << 30), "C"), null);
        assertThrows(PickleException.class, () -> codec.loads(codec.dumps(huge)));
    }

    @Test
    void unknownNumpyFormsStayGenericRecipes() {
        // a structured dtype's state has fields: it stays a recipe that re-encodes as it came
        PyObject structured = new PyObject(NumpyRecipes.DTYPE, PyObject.Construction.REDUCE, PyTuple.of("V16", false, true), null);
        structured.setState(PyTuple.of(3L, "|", null, PyTuple.of("a", "b"), new java.util.LinkedHashMap<>(), 16L, 1L, 16L));
        Object back = codec.loads(codec.dumps(structured));
        assertInstanceOf(PyObject.class, back);
        assertEquals(structured, back);
    }

    @Test
    void hostileArrayStatesAreRefusedOrKeptGeneric() {
        // _reconstruct + BUILD whose data is 5 bytes for a (2, 3) float64 array
        PyObject shortData = new PyObject(NumpyRecipes.RECONSTRUCT, PyObject.Construction.REDUCE,
                PyTuple.of(NumpyRecipes.NDARRAY, PyTuple.of(0L), new byte[] {'b'}), null);
        shortData.setState(PyTuple.of(1L, PyTuple.of(2L, 3L), DType.FLOAT64, false, new byte[5]));
        assertThrows(PickleException.class, () -> codec.loads(codec.dumps(shortData)));
        // an object array whose list does not fill its shape
        PyObject fewItems = new PyObject(NumpyRecipes.RECONSTRUCT, PyObject.Construction.REDUCE,
                PyTuple.of(NumpyRecipes.NDARRAY, PyTuple.of(0L), new byte[] {'b'}), null);
        fewItems.setState(PyTuple.of(1L, PyTuple.of(2L), DType.OBJECT, false, new java.util.ArrayList<>(List.of("a", "b", "c"))));
        assertThrows(PickleException.class, () -> codec.loads(codec.dumps(fewItems)));
        // a negative dimension, a dtype numpy has no such size of: generic recipes, not arrays
        PyObject negative = new PyObject(NumpyRecipes.FROMBUFFER, PyObject.Construction.REDUCE,
                PyTuple.of(new PyByteArray(new byte[8]), DType.FLOAT64, PyTuple.of(-1L), "C"), null);
        assertEquals(negative, codec.loads(codec.dumps(negative)));
        PyObject oddDtype = new PyObject(NumpyRecipes.DTYPE, PyObject.Construction.REDUCE, PyTuple.of("f3", false, true), null);
        oddDtype.setState(PyTuple.of(3L, "<", null, null, null, -1L, -1L, 0L));
        assertEquals(oddDtype, codec.loads(codec.dumps(oddDtype)));
    }

    @Test
    void outOfBandBuffersAreWrappedNotCopied() {
        NdArray a = NdArray.of(1.0, 2.0, 3.0);
        List<ByteBuffer> taken = new java.util.ArrayList<>();
        byte[] pickle = codec.dumps(a, 5, b -> !b.isReadOnly() && taken.add(b));
        assertEquals(1, taken.size());
        byte[] received = new byte[24];
        taken.get(0).duplicate().get(received);
        NdArray back = (NdArray) codec.loads(ByteBuffer.wrap(pickle), List.of(ByteBuffer.wrap(received)));
        assertArrayEquals(new double[] {1, 2, 3}, back.toDoubleArray());
        // the array wraps the received bytes themselves: the same byte[], no copy
        assertTrue(back.asByteBuffer().array() == received, "NdArray copied the out-of-band buffer");
        ByteBuffer.wrap(received).order(ByteOrder.LITTLE_ENDIAN).putDouble(0, 9.5);
        assertEquals(9.5, back.toDoubleArray()[0]);
    }
}
