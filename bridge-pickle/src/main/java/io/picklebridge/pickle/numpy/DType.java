package io.picklebridge.pickle.numpy;

import java.nio.ByteOrder;
import java.util.Objects;

/**
 * A numpy dtype of one fixed-size item: its kind, item size and byte order, as numpy's
 * {@code dtype.str} spells them ({@code "<f8"}, {@code ">i4"}, {@code "|b1"}, {@code "|O"},
 * {@code "<M8[ns]"}; {@code "<U3"} counts characters, 4 bytes each). Immutable value; equal dtypes have the same {@link #str()}.
 *
 * <table>
 * <caption>kinds</caption>
 * <tr><td>{@code b}</td><td>bool (1 byte)</td></tr>
 * <tr><td>{@code i}, {@code u}</td><td>signed / unsigned integers of 1, 2, 4, 8 bytes</td></tr>
 * <tr><td>{@code f}</td><td>floats of 2, 4, 8 bytes (16: long double, bytes only)</td></tr>
 * <tr><td>{@code c}</td><td>complex of 8 or 16 bytes (two floats)</td></tr>
 * <tr><td>{@code M}, {@code m}</td><td>datetime64 / timedelta64: 8-byte counts of a {@link #unit()}</td></tr>
 * <tr><td>{@code O}</td><td>Python objects (held as Java values, never bytes)</td></tr>
 * <tr><td>{@code S}, {@code U}, {@code V}</td><td>fixed-size bytes, UCS-4 text, void: raw bytes only</td></tr>
 * </table>
 *
 * <pre>{@code
 * DType d = DType.parse(">i4");
 * d.kind();        // 'i'
 * d.itemSize();    // 4
 * d.order();       // ByteOrder.BIG_ENDIAN
 * }</pre>
 */
public final class DType {
    public static final DType BOOL = new DType('b', 1, null, null);
    public static final DType INT8 = new DType('i', 1, null, null);
    public static final DType INT16 = new DType('i', 2, ByteOrder.LITTLE_ENDIAN, null);
    public static final DType INT32 = new DType('i', 4, ByteOrder.LITTLE_ENDIAN, null);
    public static final DType INT64 = new DType('i', 8, ByteOrder.LITTLE_ENDIAN, null);
    public static final DType UINT8 = new DType('u', 1, null, null);
    public static final DType UINT16 = new DType('u', 2, ByteOrder.LITTLE_ENDIAN, null);
    public static final DType UINT32 = new DType('u', 4, ByteOrder.LITTLE_ENDIAN, null);
    public static final DType UINT64 = new DType('u', 8, ByteOrder.LITTLE_ENDIAN, null);
    public static final DType FLOAT16 = new DType('f', 2, ByteOrder.LITTLE_ENDIAN, null);
    public static final DType FLOAT32 = new DType('f', 4, ByteOrder.LITTLE_ENDIAN, null);
    public static final DType FLOAT64 = new DType('f', 8, ByteOrder.LITTLE_ENDIAN, null);
    public static final DType COMPLEX64 = new DType('c', 8, ByteOrder.LITTLE_ENDIAN, null);
    public static final DType COMPLEX128 = new DType('c', 16, ByteOrder.LITTLE_ENDIAN, null);
    /** Python objects; numpy reports an item size of 8 (a pointer). */
    public static final DType OBJECT = new DType('O', 8, null, null);

    private final char kind;
    private final int itemSize;
    private final ByteOrder order; // null: not applicable ('|')
    private final String unit;     // datetime64 / timedelta64 only, e.g. "ns"; "" for generic

    private DType(char kind, int itemSize, ByteOrder order, String unit) {
        this.kind = kind;
        this.itemSize = itemSize;
        this.order = order;
        this.unit = unit;
    }

    /**
     * A dtype from its kind, size, byte order and (datetime/timedelta only) unit. The order is
     * ignored for one-byte kinds and objects, which numpy marks {@code '|'}.
     */
    public static DType of(char kind, int itemSize, ByteOrder order, String unit) {
        if ("biufcMmOSUV".indexOf(kind) < 0) throw new IllegalArgumentException("unknown dtype kind '" + kind + "'");
        if (itemSize < 0) throw new IllegalArgumentException("negative item size " + itemSize);
        boolean needsOrder = !(kind == 'b' || kind == 'O' || kind == 'S' || kind == 'V' || itemSize <= 1);
        if (kind == 'O') itemSize = 8;
        if ((kind == 'M' || kind == 'm')) {
            itemSize = 8;
            unit = unit == null ? "" : unit;
        } else {
            unit = null;
        }
        switch (kind) {
            case 'b' -> require(itemSize == 1, kind, itemSize);
            case 'i', 'u' -> require(itemSize == 1 || itemSize == 2 || itemSize == 4 || itemSize == 8, kind, itemSize);
            case 'f' -> require(itemSize == 2 || itemSize == 4 || itemSize == 8 || itemSize == 16, kind, itemSize);
            case 'c' -> require(itemSize == 8 || itemSize == 16 || itemSize == 32, kind, itemSize);
            case 'U' -> require(itemSize % 4 == 0, kind, itemSize);
            default -> { }
        }
        return new DType(kind, itemSize, needsOrder ? Objects.requireNonNull(order, "order") : null, unit);
    }

    private static void require(boolean ok, char kind, int size) {
        if (!ok) throw new IllegalArgumentException("no dtype of kind '" + kind + "' has " + size + " bytes");
    }

    /** Parses numpy's {@code dtype.str}: {@code "<f8"}, {@code "|b1"}, {@code "|O"}, {@code "<M8[ns]"}. */
    public static DType parse(String str) {
        Objects.requireNonNull(str, "str");
        if (str.length() < 2) throw new IllegalArgumentException("not a dtype string: " + str);
        char o = str.charAt(0);
        ByteOrder order = switch (o) {
            case '<' -> ByteOrder.LITTLE_ENDIAN;
            case '>' -> ByteOrder.BIG_ENDIAN;
            case '=' -> ByteOrder.nativeOrder();
            case '|' -> ByteOrder.LITTLE_ENDIAN;
            default -> throw new IllegalArgumentException("not a dtype string (byte order first): " + str);
        };
        char kind = str.charAt(1);
        String rest = str.substring(2);
        String unit = null;
        int bracket = rest.indexOf('[');
        if (bracket >= 0) {
            if (!rest.endsWith("]")) throw new IllegalArgumentException("not a dtype string: " + str);
            unit = rest.substring(bracket + 1, rest.length() - 1);
            rest = rest.substring(0, bracket);
        }
        int size;
        try {
            size = rest.isEmpty() ? 8 : Integer.parseInt(rest);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a dtype string: " + str);
        }
        return of(kind, kind == 'U' ? size * 4 : size, order, unit);
    }

    /** numpy's kind character: one of {@code b i u f c M m O S U V}. */
    public char kind() { return kind; }

    /** Bytes per item. */
    public int itemSize() { return itemSize; }

    /** The byte order of multi-byte items; {@code null} where it does not apply ({@code '|'}). */
    public ByteOrder order() { return order; }

    /** The order to read items with: {@link #order()}, or little-endian where it does not apply. */
    public ByteOrder readOrder() { return order == null ? ByteOrder.LITTLE_ENDIAN : order; }

    /** datetime64 / timedelta64 unit ({@code "ns"}, {@code "D"}, {@code ""} for generic); null otherwise. */
    public String unit() { return unit; }

    /** This dtype in the given byte order (itself where order does not apply). */
    public DType withOrder(ByteOrder newOrder) {
        if (order == null || order.equals(newOrder)) return this;
        return new DType(kind, itemSize, Objects.requireNonNull(newOrder), unit);
    }

    /** Whether items are numbers or bools held as bytes ({@code b i u f c M m}). */
    public boolean isNumeric() {
        return "biufcMm".indexOf(kind) >= 0;
    }

    /** numpy's {@code dtype.str}, e.g. {@code "<f8"}. */
    public String str() {
        char o = order == null ? '|' : order.equals(ByteOrder.LITTLE_ENDIAN) ? '<' : '>';
        if (kind == 'O') return "|O";
        String s = o + String.valueOf(kind) + (kind == 'U' ? itemSize / 4 : itemSize);
        return unit != null && !unit.isEmpty() ? s + "[" + unit + "]" : s;
    }

    /** The first argument of {@code numpy.dtype(...)} in a pickle: {@code "f8"}, {@code "b1"}, {@code "O8"}, {@code "M8"}. */
    String pickleName() {
        return String.valueOf(kind) + (kind == 'U' ? itemSize / 4 : itemSize);
    }

    /** numpy's {@code dtype.name}, e.g. {@code "float64"}, {@code "bool"}, {@code "datetime64[ns]"}. */
    public String name() {
        return switch (kind) {
            case 'b' -> "bool";
            case 'i' -> "int" + itemSize * 8;
            case 'u' -> "uint" + itemSize * 8;
            case 'f' -> itemSize == 16 ? "float128" : "float" + itemSize * 8;
            case 'c' -> "complex" + itemSize * 8;
            case 'M' -> unit.isEmpty() ? "datetime64" : "datetime64[" + unit + "]";
            case 'm' -> unit.isEmpty() ? "timedelta64" : "timedelta64[" + unit + "]";
            case 'O' -> "object";
            case 'S' -> "bytes" + itemSize * 8;
            case 'U' -> "str" + itemSize * 8;
            default -> "void" + itemSize * 8;
        };
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DType d && d.kind == kind && d.itemSize == itemSize && Objects.equals(d.order, order)
                && Objects.equals(d.unit, unit);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, itemSize, order, unit);
    }

    @Override
    public String toString() {
        return "dtype('" + str() + "')";
    }
}
