package io.picklebridge.pickle.numpy;

import io.picklebridge.pickle.PyComplex;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * A numpy {@code ndarray}: a {@link DType}, a shape, byte strides and the items, held as a
 * {@link ByteBuffer} over the bytes that arrived (never copied on decoding) or, for the object
 * dtype, as a list of Java values. Arrays decoded from pickles are C- or Fortran-contiguous;
 * {@link #index(int)} gives strided views.
 *
 * <p>Typed access copies into a Java array ({@link #toDoubleArray()}, {@link #toLongArray()},
 * {@link #toIntArray()}...), in C order (row-major) whatever the memory order, converting the
 * items where no value can be lost and refusing otherwise; the {@code as...Buffer()} methods
 * are zero-copy views of contiguous arrays.
 *
 * <pre>{@code
 * NdArray a = (NdArray) codec.loads(pickleOfNumpyArange);   // numpy.arange(6.0).reshape(2, 3)
 * a.dtype().str();          // "<f8"
 * a.shape();                // {2, 3}
 * a.toDoubleArray();        // {0.0, 1.0, 2.0, 3.0, 4.0, 5.0}
 * codec.dumps(NdArray.of(new double[] {1, 2}));   // python loads numpy.array([1.0, 2.0])
 * }</pre>
 */
public final class NdArray {
    private final DType dtype;
    private final int[] shape;
    private final int[] strides; // in bytes, per axis
    private final ByteBuffer data; // absolute byte offsets; null for the object dtype
    private final int offset;      // byte offset of the first item in data
    private final List<Object> objects; // object dtype: items in C order
    private final int size;

    private NdArray(DType dtype, int[] shape, int[] strides, ByteBuffer data, int offset, List<Object> objects) {
        this.dtype = dtype;
        this.shape = shape;
        this.strides = strides;
        this.data = data;
        this.offset = offset;
        this.objects = objects;
        this.size = checkedSize(shape);
    }

    // ------------------------------------------------------------------ creation

    /**
     * Wraps bytes without copying: the buffer's remaining bytes are the items in C ({@code 'C'})
     * or Fortran ({@code 'F'}) order; their count must be exactly {@code size * itemSize}.
     */
    public static NdArray wrap(DType dtype, ByteBuffer data, char order, int... shape) {
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(data, "data");
        if (dtype.kind() == 'O') throw new IllegalArgumentException("object arrays hold values: use ofObjects");
        if (order != 'C' && order != 'F') throw new IllegalArgumentException("order must be 'C' or 'F', got '" + order + "'");
        int[] dims = shape.clone();
        long expected = (long) checkedSize(dims) * dtype.itemSize();
        if (data.remaining() != expected) {
            throw new IllegalArgumentException("shape " + shapeString(dims) + " of " + dtype.name() + " needs "
                    + expected + " bytes, got " + data.remaining());
        }
        ByteBuffer view = data.slice();
        return new NdArray(dtype, dims, contiguousStrides(dims, dtype.itemSize(), order), view, 0, null);
    }

    /** An object-dtype array of the items (C order), e.g. the str labels of a pandas column index. */
    public static NdArray ofObjects(List<?> items, int... shape) {
        int[] dims = shape.length == 0 && items.size() != 1 ? new int[] {items.size()} : shape.clone();
        if (checkedSize(dims) != items.size()) {
            throw new IllegalArgumentException("shape " + shapeString(dims) + " does not hold " + items.size() + " items");
        }
        return new NdArray(DType.OBJECT, dims, contiguousStrides(dims, 8, 'C'), null, 0,
                Collections.unmodifiableList(new ArrayList<>(items)));
    }

    /** A 1-d float64 array of the values (copied once into little-endian bytes). */
    public static NdArray of(double... values) {
        ByteBuffer b = allocate(values.length, 8);
        b.asDoubleBuffer().put(values);
        return wrap(DType.FLOAT64, b, 'C', values.length);
    }

    /** A 1-d float32 array. */
    public static NdArray of(float... values) {
        ByteBuffer b = allocate(values.length, 4);
        b.asFloatBuffer().put(values);
        return wrap(DType.FLOAT32, b, 'C', values.length);
    }

    /** A 1-d int64 array. */
    public static NdArray of(long... values) {
        ByteBuffer b = allocate(values.length, 8);
        b.asLongBuffer().put(values);
        return wrap(DType.INT64, b, 'C', values.length);
    }

    /** A 1-d int32 array. */
    public static NdArray of(int... values) {
        ByteBuffer b = allocate(values.length, 4);
        b.asIntBuffer().put(values);
        return wrap(DType.INT32, b, 'C', values.length);
    }

    /** A 1-d int16 array. */
    public static NdArray of(short... values) {
        ByteBuffer b = allocate(values.length, 2);
        b.asShortBuffer().put(values);
        return wrap(DType.INT16, b, 'C', values.length);
    }

    /** A 1-d int8 array. */
    public static NdArray of(byte... values) {
        return wrap(DType.INT8, ByteBuffer.wrap(values.clone()), 'C', values.length);
    }

    /** A 1-d bool array. */
    public static NdArray of(boolean... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < b.length; i++) b[i] = (byte) (values[i] ? 1 : 0);
        return wrap(DType.BOOL, ByteBuffer.wrap(b), 'C', values.length);
    }

    private static ByteBuffer allocate(int count, int itemSize) {
        if ((long) count * itemSize > Integer.MAX_VALUE - 16) throw new IllegalArgumentException("array larger than 2 GiB");
        return ByteBuffer.wrap(new byte[count * itemSize]).order(ByteOrder.LITTLE_ENDIAN);
    }

    // ------------------------------------------------------------------ shape

    public DType dtype() { return dtype; }

    /** The shape (a copy); {@code {}} for a 0-d array. */
    public int[] shape() { return shape.clone(); }

    public int ndim() { return shape.length; }

    /** Number of items (1 for a 0-d array). */
    public int size() { return size; }

    /** Byte strides per axis (a copy), as numpy's {@code strides}. */
    public int[] strides() { return strides.clone(); }

    /** {@code size * itemSize}. */
    public long nbytes() { return (long) size * dtype.itemSize(); }

    public boolean isCContiguous() { return objects != null || contiguous(contiguousStrides(shape, dtype.itemSize(), 'C')); }

    public boolean isFContiguous() {
        return objects == null ? contiguous(contiguousStrides(shape, dtype.itemSize(), 'F')) : ndimBelow2();
    }

    private boolean ndimBelow2() {
        int big = 0;
        for (int d : shape) if (d > 1) big++;
        return big <= 1;
    }

    private boolean contiguous(int[] expected) {
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] > 1 && strides[i] != expected[i]) return false;
        }
        return true;
    }

    /** {@code a[i]}: a view of one index along the first axis, one dimension less. */
    public NdArray index(int i) {
        if (shape.length == 0) throw new IllegalStateException("a 0-d array cannot be indexed");
        Objects.checkIndex(i, shape[0]);
        int[] subShape = Arrays.copyOfRange(shape, 1, shape.length);
        if (objects != null) {
            int n = checkedSize(subShape);
            return new NdArray(dtype, subShape, contiguousStrides(subShape, 8, 'C'), null, 0, objects.subList(i * n, i * n + n));
        }
        return new NdArray(dtype, subShape, Arrays.copyOfRange(strides, 1, strides.length), data,
                offset + i * strides[0], null);
    }

    /** The same items with another shape (a view; C-contiguous arrays only, else a C-order copy). */
    public NdArray reshape(int... newShape) {
        int[] dims = newShape.clone();
        if (checkedSize(dims) != size) {
            throw new IllegalArgumentException("cannot reshape " + size + " items into shape " + shapeString(dims));
        }
        if (objects != null) return new NdArray(dtype, dims, contiguousStrides(dims, 8, 'C'), null, 0, objects);
        if (isCContiguous()) return new NdArray(dtype, dims, contiguousStrides(dims, dtype.itemSize(), 'C'), data, offset, null);
        return wrap(dtype, ByteBuffer.wrap(toBytes('C')), 'C', dims);
    }

    // ------------------------------------------------------------------ zero-copy views

    /**
     * The items' bytes, without copying, in memory order ({@link #isCContiguous()} or
     * {@link #isFContiguous()}), ordered as the dtype; shares the buffer the array wraps.
     *
     * @throws IllegalStateException for a non-contiguous view or an object array
     */
    public ByteBuffer asByteBuffer() {
        if (objects != null) throw new IllegalStateException("an object array holds Java values, not bytes");
        if (!isCContiguous() && !isFContiguous()) {
            throw new IllegalStateException("a strided view has no single buffer: use toBytes('C')");
        }
        ByteBuffer b = data.duplicate();
        b.limit(offset + (int) nbytes()).position(offset);
        return b.slice().order(dtype.readOrder());
    }

    /** Zero-copy view of a contiguous float64 array (memory order). */
    public DoubleBuffer asDoubleBuffer() { return typedView('f', 8).asDoubleBuffer(); }

    /** Zero-copy view of a contiguous float32 array (memory order). */
    public FloatBuffer asFloatBuffer() { return typedView('f', 4).asFloatBuffer(); }

    /** Zero-copy view of a contiguous int64 array (memory order). */
    public LongBuffer asLongBuffer() { return typedView('i', 8).asLongBuffer(); }

    /** Zero-copy view of a contiguous int32 array (memory order). */
    public IntBuffer asIntBuffer() { return typedView('i', 4).asIntBuffer(); }

    private ByteBuffer typedView(char kind, int itemSize) {
        if (dtype.kind() != kind || dtype.itemSize() != itemSize) {
            throw new IllegalStateException("a " + dtype.name() + " array has no " + DType.of(kind, itemSize, ByteOrder.LITTLE_ENDIAN, null).name() + " view");
        }
        return asByteBuffer();
    }

    /** A copy of the items' bytes in C ({@code 'C'}) or Fortran ({@code 'F'}) order, in the dtype's byte order. */
    public byte[] toBytes(char order) {
        if (objects != null) throw new IllegalStateException("an object array holds Java values, not bytes");
        int item = dtype.itemSize();
        byte[] out = new byte[(int) nbytes()];
        boolean same = order == 'C' ? isCContiguous() : isFContiguous();
        if (same) {
            data.duplicate().position(offset).get(out);
            return out;
        }
        int[] offsets = offsets(order);
        ByteBuffer src = data.duplicate();
        for (int i = 0; i < offsets.length; i++) src.get(offsets[i], out, i * item, item);
        return out;
    }

    // ------------------------------------------------------------------ typed copies (C order)

    /** Items as doubles (bool, integer and float dtypes; int64/uint64 beyond 2^53 round as Java casts do). */
    public double[] toDoubleArray() {
        double[] out = new double[size];
        if (fast('f', 8)) {
            asByteBuffer().asDoubleBuffer().get(out);
            return out;
        }
        requireReal("double");
        ByteBuffer b = reader();
        int[] offsets = offsets('C');
        for (int i = 0; i < size; i++) out[i] = readDouble(b, offsets[i]);
        return out;
    }

    /** Items as floats (float16/float32 exactly; other real dtypes as Java casts do). */
    public float[] toFloatArray() {
        float[] out = new float[size];
        if (fast('f', 4)) {
            asByteBuffer().asFloatBuffer().get(out);
            return out;
        }
        requireReal("float");
        ByteBuffer b = reader();
        int[] offsets = offsets('C');
        for (int i = 0; i < size; i++) out[i] = (float) readDouble(b, offsets[i]);
        return out;
    }

    /** Items as longs (bool and integer dtypes, datetime64/timedelta64 counts). uint64 above 2^63-1 throws. */
    public long[] toLongArray() {
        long[] out = new long[size];
        if (fast('i', 8) || fast('M', 8) || fast('m', 8)) {
            asByteBuffer().asLongBuffer().get(out);
            return out;
        }
        requireIntegral("long");
        ByteBuffer b = reader();
        int[] offsets = offsets('C');
        for (int i = 0; i < size; i++) {
            long v = readLong(b, offsets[i]);
            if (dtype.kind() == 'u' && dtype.itemSize() == 8 && v < 0) throw outOfRange(Long.toUnsignedString(v), "long");
            out[i] = v;
        }
        return out;
    }

    /** Items as ints (bool and integer dtypes); a value outside the int range throws. */
    public int[] toIntArray() {
        int[] out = new int[size];
        if (fast('i', 4)) {
            asByteBuffer().asIntBuffer().get(out);
            return out;
        }
        long[] wide = toLongArray();
        for (int i = 0; i < size; i++) {
            if (wide[i] != (int) wide[i]) throw outOfRange(Long.toString(wide[i]), "int");
            out[i] = (int) wide[i];
        }
        return out;
    }

    /** Items as shorts (bool and integer dtypes); a value outside the short range throws. */
    public short[] toShortArray() {
        long[] wide = toLongArray();
        short[] out = new short[size];
        for (int i = 0; i < size; i++) {
            if (wide[i] != (short) wide[i]) throw outOfRange(Long.toString(wide[i]), "short");
            out[i] = (short) wide[i];
        }
        return out;
    }

    /** Items of a bool array. */
    public boolean[] toBooleanArray() {
        if (dtype.kind() != 'b') throw new IllegalStateException("a " + dtype.name() + " array is not bool");
        ByteBuffer b = reader();
        int[] offsets = offsets('C');
        boolean[] out = new boolean[size];
        for (int i = 0; i < size; i++) out[i] = b.get(offsets[i]) != 0;
        return out;
    }

    /**
     * Every item as a Java value, in C order: Boolean, Long (BigInteger for uint64 above
     * 2^63-1), Double, {@link PyComplex}, Long counts for datetime64/timedelta64, byte[] for
     * S/U/V items, and the values themselves for the object dtype.
     */
    public List<Object> toList() {
        if (objects != null) return objects;
        ByteBuffer b = reader();
        int[] offsets = offsets('C');
        List<Object> out = new ArrayList<>(size);
        for (int i = 0; i < size; i++) out.add(item(b, offsets[i]));
        return Collections.unmodifiableList(out);
    }

    /** The item at the given index (one per axis), as {@link #toList()} gives it. */
    public Object get(int... index) {
        if (index.length != shape.length) {
            throw new IllegalArgumentException(shape.length + "-d array indexed with " + index.length + " indices");
        }
        int flat = 0;
        int at = offset;
        for (int k = 0; k < index.length; k++) {
            Objects.checkIndex(index[k], shape[k]);
            flat = flat * shape[k] + index[k];
            at += index[k] * strides[k];
        }
        return objects != null ? objects.get(flat) : item(reader(), at);
    }

    private boolean fast(char kind, int itemSize) {
        return objects == null && dtype.kind() == kind && dtype.itemSize() == itemSize && isCContiguous();
    }

    private void requireReal(String target) {
        char k = dtype.kind();
        if (!(k == 'b' || k == 'i' || k == 'u' || (k == 'f' && dtype.itemSize() <= 8))) {
            throw new IllegalStateException("a " + dtype.name() + " array has no " + target + " values");
        }
    }

    private void requireIntegral(String target) {
        char k = dtype.kind();
        if (!(k == 'b' || k == 'i' || k == 'u' || k == 'M' || k == 'm')) {
            throw new IllegalStateException("a " + dtype.name() + " array has no " + target + " values (not an integer dtype)");
        }
    }

    private static ArithmeticException outOfRange(String value, String target) {
        return new ArithmeticException(value + " does not fit in a " + target);
    }

    private ByteBuffer reader() {
        return data.duplicate().order(dtype.readOrder());
    }

    private double readDouble(ByteBuffer b, int at) {
        if (dtype.kind() == 'f') {
            return switch (dtype.itemSize()) {
                case 2 -> Float16.toFloat(b.getShort(at));
                case 4 -> b.getFloat(at);
                default -> b.getDouble(at);
            };
        }
        long v = readLong(b, at);
        if (dtype.kind() == 'u' && dtype.itemSize() == 8 && v < 0) return (double) (v >>> 1) * 2.0 + (v & 1);
        return v;
    }

    private long readLong(ByteBuffer b, int at) {
        boolean unsigned = dtype.kind() == 'u' || dtype.kind() == 'b';
        return switch (dtype.itemSize()) {
            case 1 -> unsigned ? b.get(at) & 0xffL : b.get(at);
            case 2 -> unsigned ? b.getShort(at) & 0xffffL : b.getShort(at);
            case 4 -> unsigned ? b.getInt(at) & 0xffffffffL : b.getInt(at);
            default -> b.getLong(at);
        };
    }

    private Object item(ByteBuffer b, int at) {
        return switch (dtype.kind()) {
            case 'b' -> b.get(at) != 0;
            case 'i', 'M', 'm' -> readLong(b, at);
            case 'u' -> {
                long v = readLong(b, at);
                yield v < 0 ? new BigInteger(Long.toUnsignedString(v)) : (Object) v;
            }
            case 'f' -> {
                if (dtype.itemSize() == 16) yield rawItem(b, at);
                yield readDouble(b, at);
            }
            case 'c' -> {
                if (dtype.itemSize() == 8) yield new PyComplex(b.getFloat(at), b.getFloat(at + 4));
                if (dtype.itemSize() == 16) yield new PyComplex(b.getDouble(at), b.getDouble(at + 8));
                yield rawItem(b, at);
            }
            default -> rawItem(b, at);
        };
    }

    private byte[] rawItem(ByteBuffer b, int at) {
        byte[] out = new byte[dtype.itemSize()];
        b.get(at, out);
        return out;
    }

    /** Byte offsets of every item, in C or Fortran order of the indices. */
    private int[] offsets(char order) {
        int n = shape.length;
        int[] out = new int[size];
        if (size == 0) return out;
        int[] counter = new int[n];
        int at = offset;
        for (int i = 0; i < size; i++) {
            out[i] = at;
            // odometer: the last axis moves fastest in C order, the first in Fortran order
            for (int step = 0; step < n; step++) {
                int k = order == 'C' ? n - 1 - step : step;
                if (++counter[k] < shape[k]) {
                    at += strides[k];
                    break;
                }
                at -= strides[k] * (shape[k] - 1);
                counter[k] = 0;
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ helpers

    /** Packs the data for a pickle: the bytes and their order, without copying when the array wraps a whole byte[]. */
    byte[] pickleBytes(char[] order) {
        boolean c = isCContiguous();
        order[0] = c ? 'C' : isFContiguous() ? 'F' : 'C';
        if (c || order[0] == 'F') {
            if (data.hasArray() && data.arrayOffset() + offset == 0 && data.array().length == nbytes()) return data.array();
            return toBytes(order[0]);
        }
        return toBytes('C');
    }

    List<Object> objects() { return objects; }

    static int[] contiguousStrides(int[] shape, int itemSize, char order) {
        int n = shape.length;
        int[] strides = new int[n];
        long s = itemSize;
        for (int step = 0; step < n; step++) {
            int k = order == 'C' ? n - 1 - step : step;
            strides[k] = (int) Math.min(s, Integer.MAX_VALUE);
            s *= Math.max(shape[k], 1);
        }
        return strides;
    }

    static int checkedSize(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in shape " + shapeString(shape));
            n *= d;
            if (n > Integer.MAX_VALUE - 16) throw new IllegalArgumentException("shape " + shapeString(shape) + " is too large");
        }
        return (int) n;
    }

    static String shapeString(int[] shape) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) sb.append(i > 0 ? ", " : "").append(shape[i]);
        return sb.append(shape.length == 1 ? ",)" : ")").toString();
    }

    /** Same dtype, shape and items (byte for byte; object items by equals). */
    @Override
    public boolean equals(Object o) {
        if (this == o) return true;
        if (!(o instanceof NdArray other) || !dtype.equals(other.dtype) || !Arrays.equals(shape, other.shape)) return false;
        if (objects != null) return objects.equals(other.objects);
        return Arrays.equals(toBytes('C'), other.toBytes('C'));
    }

    @Override
    public int hashCode() {
        return dtype.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("array(");
        List<Object> items = size <= 8 ? toList() : null;
        if (items != null) sb.append(items);
        else sb.append("[").append(size).append(" items]");
        return sb.append(", shape=").append(shapeString(shape)).append(", dtype=").append(dtype.str()).append(")").toString();
    }
}
