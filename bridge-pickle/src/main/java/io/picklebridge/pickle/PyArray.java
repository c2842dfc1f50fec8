package io.picklebridge.pickle;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.Objects;

/**
 * A Python {@code array.array}: a typecode and a primitive Java array holding the items.
 *
 * <table>
 * <caption>typecode to storage</caption>
 * <tr><td>{@code b}, {@code B}</td><td>byte[] ({@code B} read unsigned)</td></tr>
 * <tr><td>{@code h}, {@code H}</td><td>short[] ({@code H} read unsigned)</td></tr>
 * <tr><td>{@code i}, {@code I}</td><td>int[] ({@code I} read unsigned)</td></tr>
 * <tr><td>{@code l}, {@code L}, {@code q}, {@code Q}</td><td>long[] ({@code L}, {@code Q} unsigned)</td></tr>
 * <tr><td>{@code f}</td><td>float[]</td></tr>
 * <tr><td>{@code d}</td><td>double[]</td></tr>
 * <tr><td>{@code u}, {@code w}</td><td>int[] of code points</td></tr>
 * </table>
 *
 * <pre>{@code
 * PyArray a = PyArray.ofLongs('q', new long[] {1, 2, 3});
 * codec.dumps(a);          // python: array('q', [1, 2, 3])
 * a.asDoubles();           // {1.0, 2.0, 3.0}
 * }</pre>
 */
public final class PyArray {
    private final char typecode;
    private final Object items;

    private PyArray(char typecode, Object items) {
        this.typecode = typecode;
        this.items = items;
    }

    /** Wraps a primitive array (not copied) of the type the typecode stores. */
    public static PyArray of(char typecode, Object primitiveArray) {
        Objects.requireNonNull(primitiveArray, "primitiveArray");
        Class<?> want = storageType(typecode);
        if (primitiveArray.getClass() != want) {
            throw new IllegalArgumentException("typecode '" + typecode + "' stores " + want.getSimpleName()
                    + ", got " + primitiveArray.getClass().getSimpleName());
        }
        return new PyArray(typecode, primitiveArray);
    }

    public static PyArray ofLongs(char typecode, long[] values) {
        return fromLongs(typecode, values);
    }

    public static PyArray ofDoubles(double[] values) {
        return new PyArray('d', values);
    }

    public static PyArray ofInts(int[] values) {
        return new PyArray('i', values);
    }

    static Class<?> storageType(char typecode) {
        return switch (typecode) {
            case 'b', 'B' -> byte[].class;
            case 'h', 'H' -> short[].class;
            case 'i', 'I', 'u', 'w' -> int[].class;
            case 'l', 'L', 'q', 'Q' -> long[].class;
            case 'f' -> float[].class;
            case 'd' -> double[].class;
            default -> throw new IllegalArgumentException("bad typecode '" + typecode + "' (must be b, B, u, w, h, H, i, I, l, L, q, Q, f or d)");
        };
    }

    /** Item size in bytes on a 64-bit Linux CPython. */
    static int itemSize(char typecode) {
        return switch (typecode) {
            case 'b', 'B' -> 1;
            case 'h', 'H' -> 2;
            case 'i', 'I', 'f', 'u', 'w' -> 4;
            default -> 8;
        };
    }

    /** Builds the storage array from long values (integer typecodes, or code points for u/w). */
    static PyArray fromLongs(char typecode, long[] v) {
        Object a = switch (typecode) {
            case 'b', 'B' -> { byte[] x = new byte[v.length]; for (int i = 0; i < v.length; i++) x[i] = (byte) v[i]; yield x; }
            case 'h', 'H' -> { short[] x = new short[v.length]; for (int i = 0; i < v.length; i++) x[i] = (short) v[i]; yield x; }
            case 'i', 'I', 'u', 'w' -> { int[] x = new int[v.length]; for (int i = 0; i < v.length; i++) x[i] = (int) v[i]; yield x; }
            case 'l', 'L', 'q', 'Q' -> v.clone();
            case 'f' -> { float[] x = new float[v.length]; for (int i = 0; i < v.length; i++) x[i] = v[i]; yield x; }
            case 'd' -> { double[] x = new double[v.length]; for (int i = 0; i < v.length; i++) x[i] = v[i]; yield x; }
            default -> throw new IllegalArgumentException("bad typecode '" + typecode + "'");
        };
        return new PyArray(typecode, a);
    }

    public char typecode() {
        return typecode;
    }

    /** The primitive array (not a copy). */
    public Object items() {
        return items;
    }

    public int length() {
        return java.lang.reflect.Array.getLength(items);
    }

    public boolean isFloatingPoint() {
        return typecode == 'f' || typecode == 'd';
    }

    public boolean isUnsigned() {
        return typecode == 'B' || typecode == 'H' || typecode == 'I' || typecode == 'L' || typecode == 'Q';
    }

    /** Item {@code i} as Python sees it: Long, BigInteger (large Q/L), Double, or a 1-char String for u/w. */
    public Object get(int i) {
        return switch (typecode) {
            case 'f' -> (double) ((float[]) items)[i];
            case 'd' -> ((double[]) items)[i];
            case 'u', 'w' -> new String(Character.toChars(((int[]) items)[i]));
            case 'L', 'Q' -> {
                long v = ((long[]) items)[i];
                yield v >= 0 ? (Object) v : new BigInteger(Long.toUnsignedString(v));
            }
            default -> longAt(i);
        };
    }

    private long longAt(int i) {
        return switch (typecode) {
            case 'b' -> ((byte[]) items)[i];
            case 'B' -> ((byte[]) items)[i] & 0xffL;
            case 'h' -> ((short[]) items)[i];
            case 'H' -> ((short[]) items)[i] & 0xffffL;
            case 'i', 'u', 'w' -> ((int[]) items)[i];
            case 'I' -> ((int[]) items)[i] & 0xffffffffL;
            case 'f' -> (long) ((float[]) items)[i];
            case 'd' -> (long) ((double[]) items)[i];
            default -> ((long[]) items)[i];
        };
    }

    /** Items widened to long (unsigned types zero-extended; Q above Long.MAX_VALUE wraps). */
    public long[] asLongs() {
        if (items instanceof long[] l) return l.clone();
        long[] out = new long[length()];
        for (int i = 0; i < out.length; i++) out[i] = longAt(i);
        return out;
    }

    public double[] asDoubles() {
        if (items instanceof double[] d) return d.clone();
        double[] out = new double[length()];
        for (int i = 0; i < out.length; i++) {
            if (items instanceof float[] f) out[i] = f[i];
            else if (typecode == 'L' || typecode == 'Q') out[i] = ((BigInteger) toBig(((long[]) items)[i])).doubleValue();
            else out[i] = longAt(i);
        }
        return out;
    }

    private static Object toBig(long v) {
        return new BigInteger(Long.toUnsignedString(v));
    }

    /** For u/w arrays: the items as a String. */
    public String asString() {
        if (!(typecode == 'u' || typecode == 'w')) throw new IllegalStateException("not a unicode array: '" + typecode + "'");
        int[] cps = (int[]) items;
        return new String(cps, 0, cps.length);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof PyArray other) || other.typecode != typecode) return false;
        return Arrays.deepEquals(new Object[] {items}, new Object[] {other.items});
    }

    @Override
    public int hashCode() {
        return Arrays.deepHashCode(new Object[] {items}) * 31 + typecode;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("array('").append(typecode).append("', [");
        int n = length();
        for (int i = 0; i < n && i < 20; i++) {
            if (i > 0) sb.append(", ");
            sb.append(PyRepr.of(get(i)));
        }
        if (n > 20) sb.append(", ...");
        return sb.append("])").toString();
    }
}
