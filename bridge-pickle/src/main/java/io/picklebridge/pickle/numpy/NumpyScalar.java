package io.picklebridge.pickle.numpy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * A numpy scalar ({@code numpy.float32(1.5)}, {@code numpy.int64(7)}, {@code numpy.bool_(True)}):
 * a {@link DType} and the item's bytes. It is a {@link Number}, so a worker parameter of a Java
 * number type takes it; {@link #value()} gives the Java value, and encoding writes the same
 * numpy type back.
 *
 * <pre>{@code
 * NumpyScalar s = (NumpyScalar) codec.loads(pickleOfFloat32);
 * s.dtype().name();      // "float32"
 * s.doubleValue();       // 1.5
 * codec.dumps(NumpyScalar.of(7L));   // python loads numpy.int64(7)
 * }</pre>
 */
public final class NumpyScalar extends Number {
    private static final long serialVersionUID = 1L;

    private final DType dtype;
    private final byte[] bytes;

    /** A scalar of the dtype from its item bytes (in the dtype's byte order). */
    public NumpyScalar(DType dtype, byte[] bytes) {
        this.dtype = Objects.requireNonNull(dtype, "dtype");
        if (dtype.kind() == 'O') throw new IllegalArgumentException("object scalars are plain values");
        if (bytes.length != dtype.itemSize()) {
            throw new IllegalArgumentException(dtype.name() + " scalar needs " + dtype.itemSize() + " bytes, got " + bytes.length);
        }
        this.bytes = bytes.clone();
    }

    public static NumpyScalar of(double value) {
        return new NumpyScalar(DType.FLOAT64, le(8).putDouble(value).array());
    }

    public static NumpyScalar of(float value) {
        return new NumpyScalar(DType.FLOAT32, le(4).putFloat(value).array());
    }

    public static NumpyScalar of(long value) {
        return new NumpyScalar(DType.INT64, le(8).putLong(value).array());
    }

    public static NumpyScalar of(int value) {
        return new NumpyScalar(DType.INT32, le(4).putInt(value).array());
    }

    public static NumpyScalar of(boolean value) {
        return new NumpyScalar(DType.BOOL, new byte[] {(byte) (value ? 1 : 0)});
    }

    private static ByteBuffer le(int n) {
        return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    }

    public DType dtype() { return dtype; }

    /** The item's bytes (a copy). */
    public byte[] bytes() { return bytes.clone(); }

    /** The value as {@link NdArray#toList()} gives items: Boolean, Long, Double, PyComplex... */
    public Object value() {
        return asArray().get();
    }

    private NdArray asArray() {
        return NdArray.wrap(dtype, ByteBuffer.wrap(bytes), 'C');
    }

    @Override
    public double doubleValue() {
        Object v = value();
        if (v instanceof Number n) return n.doubleValue();
        if (v instanceof Boolean b) return b ? 1 : 0;
        throw new IllegalStateException("a " + dtype.name() + " scalar is not a real number");
    }

    @Override
    public long longValue() {
        Object v = value();
        if (v instanceof Number n) return n.longValue();
        if (v instanceof Boolean b) return b ? 1 : 0;
        throw new IllegalStateException("a " + dtype.name() + " scalar is not a real number");
    }

    @Override
    public int intValue() { return (int) longValue(); }

    @Override
    public float floatValue() { return (float) doubleValue(); }

    @Override
    public boolean equals(Object o) {
        return o instanceof NumpyScalar s && s.dtype.equals(dtype) && Arrays.equals(s.bytes, bytes);
    }

    @Override
    public int hashCode() {
        return dtype.hashCode() * 31 + Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return dtype.name() + "(" + value() + ")";
    }
}
