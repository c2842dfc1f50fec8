package io.picklebridge.client;

import io.picklebridge.pickle.PyArray;
import io.picklebridge.pickle.PyByteArray;
import io.picklebridge.pickle.PyTuple;

import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Converts a decoded result (the codec's types: Long, Double, String, PyTuple, ArrayList...)
 * to the Java type a typed call asked for, or explains in a {@link ResultTypeException} why it
 * cannot; never a {@code ClassCastException}.
 *
 * <table>
 * <caption>conversions beyond plain instances</caption>
 * <tr><td>int (Long, BigInteger)</td><td>Integer/int, Short, Byte, Long (range-checked), BigInteger, BigDecimal, Double, Float</td></tr>
 * <tr><td>float (Double)</td><td>Float, BigDecimal</td></tr>
 * <tr><td>str of one char</td><td>Character</td></tr>
 * <tr><td>str</td><td>an enum constant of that name</td></tr>
 * <tr><td>bytearray</td><td>byte[]</td></tr>
 * <tr><td>list, tuple, set, array.array</td><td>any array type (elements converted one by one: {@code long[]}, {@code Integer[]}, {@code String[][]}...)</td></tr>
 * <tr><td>tuple, set</td><td>List (a tuple is already an immutable List); list, tuple to Set</td></tr>
 * </table>
 *
 * <pre>{@code
 * ResultConverter.convert(List.of(1L, 2L), int[].class, "w");   // int[] {1, 2}
 * ResultConverter.convert(1L << 40, Integer.class, "w");        // ResultTypeException: ... does not fit in int
 * }</pre>
 */
final class ResultConverter {
    private ResultConverter() {}

    /** {@code value} as a {@code type}; {@code worker} names the call in error messages. */
    static <T> T convert(Object value, Class<T> type, String worker) {
        @SuppressWarnings("unchecked")
        Class<T> boxed = (Class<T>) box(type);
        return boxed.cast(convert(value, type, worker, ""));
    }

    private static Object convert(Object value, Class<?> type, String worker, String path) {
        if (value == null) {
            if (type.isPrimitive()) throw refuse(worker, path, value, type, "None has no " + type.getName() + " value");
            return null;
        }
        Class<?> boxed = box(type);
        if (boxed == Object.class) return value;
        if (boxed == Long.class) return toLong(value, type, worker, path);
        if (boxed == Integer.class) return (int) ranged(value, type, worker, path, Integer.MIN_VALUE, Integer.MAX_VALUE);
        if (boxed == Short.class) return (short) ranged(value, type, worker, path, Short.MIN_VALUE, Short.MAX_VALUE);
        if (boxed == Byte.class) return (byte) ranged(value, type, worker, path, Byte.MIN_VALUE, Byte.MAX_VALUE);
        if (boxed == Double.class || boxed == Float.class) {
            double d;
            if (value instanceof Double v) d = v;
            else if (value instanceof Long v) d = v;
            else if (value instanceof BigInteger v) d = v.doubleValue();
            else if (value instanceof Float v) d = v;
            else throw refuse(worker, path, value, type, null);
            return boxed == Double.class ? (Object) d : (Object) (float) d;
        }
        if (boxed == BigInteger.class) {
            if (value instanceof Long v) return BigInteger.valueOf(v);
            if (value instanceof BigInteger) return value;
            throw refuse(worker, path, value, type, null);
        }
        if (boxed == BigDecimal.class) {
            if (value instanceof BigDecimal) return value;
            if (value instanceof Long v) return BigDecimal.valueOf(v);
            if (value instanceof BigInteger v) return new BigDecimal(v);
            if (value instanceof Double v && Double.isFinite(v)) return BigDecimal.valueOf(v);
            throw refuse(worker, path, value, type, null);
        }
        if (boxed == Character.class) {
            if (value instanceof String s && s.length() == 1) return s.charAt(0);
            throw refuse(worker, path, value, type, "only a str of one UTF-16 unit is a char");
        }
        if (type == byte[].class) {
            if (value instanceof byte[]) return value;
            if (value instanceof PyByteArray b) return b.bytes();
            throw refuse(worker, path, value, type, null);
        }
        if (type.isArray()) return toArray(value, type, worker, path);
        if (type.isEnum()) return toEnum(value, type, worker, path);
        if (type == List.class || type == Collection.class || type == Iterable.class) {
            if (value instanceof List) return value;
            if (value instanceof Collection<?> c) return new ArrayList<>(c);
        }
        if (type == Set.class && value instanceof Collection<?> c && !(value instanceof Set)) {
            return new LinkedHashSet<>(c);
        }
        if (boxed.isInstance(value)) return value;
        throw refuse(worker, path, value, type, null);
    }

    private static long toLong(Object value, Class<?> type, String worker, String path) {
        if (value instanceof Long v) return v;
        if (value instanceof BigInteger v) {
            if (v.bitLength() < 64) return v.longValue();
            throw refuse(worker, path, value, type, "it does not fit in 64 bits");
        }
        if (value instanceof Integer || value instanceof Short || value instanceof Byte) return ((Number) value).longValue();
        throw refuse(worker, path, value, type, null);
    }

    private static long ranged(Object value, Class<?> type, String worker, String path, long min, long max) {
        long v = toLong(value, type, worker, path);
        if (v < min || v > max) throw refuse(worker, path, value, type, "it does not fit in " + box(type).getSimpleName());
        return v;
    }

    private static Object toArray(Object value, Class<?> type, String worker, String path) {
        Class<?> component = type.getComponentType();
        List<?> items;
        if (value instanceof PyArray a) {
            if (type.isInstance(a.items())) return a.items();
            items = boxedItems(a.items());
        } else if (value instanceof List<?> list) {
            items = list;
        } else if (value instanceof Collection<?> c) {
            items = new ArrayList<>(c);
        } else if (value.getClass().isArray()) {
            if (type.isInstance(value)) return value;
            items = boxedItems(value);
        } else {
            throw refuse(worker, path, value, type, null);
        }
        Object out = Array.newInstance(component, items.size());
        for (int i = 0; i < items.size(); i++) {
            Array.set(out, i, convert(items.get(i), component, worker, path + "[" + i + "]"));
        }
        return out;
    }

    private static List<Object> boxedItems(Object array) {
        int n = Array.getLength(array);
        List<Object> items = new ArrayList<>(n);
        for (int i = 0; i < n; i++) items.add(Array.get(array, i));
        return items;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Object toEnum(Object value, Class<?> type, String worker, String path) {
        if (type.isInstance(value)) return value;
        if (value instanceof String name) {
            try {
                return Enum.valueOf((Class) type, name);
            } catch (IllegalArgumentException e) {
                throw refuse(worker, path, value, type, type.getSimpleName() + " has no constant of that name");
            }
        }
        throw refuse(worker, path, value, type, null);
    }

    private static Class<?> box(Class<?> type) {
        if (!type.isPrimitive()) return type;
        if (type == int.class) return Integer.class;
        if (type == long.class) return Long.class;
        if (type == double.class) return Double.class;
        if (type == boolean.class) return Boolean.class;
        if (type == float.class) return Float.class;
        if (type == short.class) return Short.class;
        if (type == byte.class) return Byte.class;
        if (type == char.class) return Character.class;
        return Void.class;
    }

    private static ResultTypeException refuse(String worker, String path, Object value, Class<?> type, String why) {
        String what = path.isEmpty() ? "returned " : "returned, at " + path + ", ";
        return new ResultTypeException(worker + " " + what + describe(value) + ", which "
                + (why == null ? "does not convert to " + type.getTypeName()
                        : "cannot be converted to " + type.getTypeName() + ": " + why));
    }

    /** {@code int 3000000000}, {@code str 'abc'}, {@code list of 3 items}: short, never the whole value. */
    static String describe(Object value) {
        if (value == null) return "None";
        if (value instanceof Boolean b) return "bool " + (b ? "True" : "False");
        if (value instanceof Long || value instanceof BigInteger) return "int " + value;
        if (value instanceof Double) return "float " + value;
        if (value instanceof String s) return "str '" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "'";
        if (value instanceof byte[] b) return "bytes of length " + b.length;
        if (value instanceof PyTuple t) return "tuple of " + t.size() + " items";
        if (value instanceof List<?> l) return "list of " + l.size() + " items";
        if (value instanceof Map<?, ?> m) return "dict of " + m.size() + " items";
        if (value instanceof Set<?> s) return "set of " + s.size() + " items";
        return value.getClass().getName() + " " + abbreviate(String.valueOf(value));
    }

    private static String abbreviate(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }
}
