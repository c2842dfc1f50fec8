package io.picklebridge.server.convert;

import io.picklebridge.pickle.PyByteArray;
import io.picklebridge.pickle.PyTuple;

import java.lang.reflect.Array;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Converts a value as the codec decoded it ({@code Long}, {@code BigInteger}, {@code Double},
 * {@code String}, {@code byte[]}, {@code PyTuple}, {@code ArrayList}, {@code LinkedHashMap},
 * {@code LinkedHashSet}, java.time values...) to a worker parameter's declared type.
 *
 * <p>Rules, in the spirit of Python's own argument parsing: ints convert to every Java integer
 * type with a range check (out of range is an {@code OverflowError}), to floating point and to
 * BigInteger/BigDecimal; {@code bool} is an int, as in Python; floats never silently become
 * ints; lists, tuples and sets convert to List/Collection/Iterable/Set, object and primitive
 * arrays, element by element following the generic type; dicts convert to Map with keys and
 * values converted; {@code None} is null, an empty Optional, and an error for primitives; a str
 * names an enum constant; a number of seconds or a timedelta gives a Duration.
 *
 * <pre>{@code
 * ArgumentConverter.convert(3L, int.class);                    // 3 (Integer)
 * ArgumentConverter.convert(List.of(1L, 2L), double[].class);  // double[] {1.0, 2.0}
 * ArgumentConverter.convert("x", double.class);               // ConversionException "expects double, got str"
 * }</pre>
 */
public final class ArgumentConverter {
    private ArgumentConverter() {}

    /** Converts {@code value} to {@code target}, or explains why it cannot. */
    public static Object convert(Object value, Type target) throws ConversionException {
        Class<?> raw = rawClass(target);
        if (raw == Object.class) return value;
        if (value == null) {
            if (raw.isPrimitive()) throw mismatch(value, target);
            return raw == Optional.class ? Optional.empty() : null;
        }
        if (value instanceof io.picklebridge.pickle.numpy.NdArray array) {
            Object converted = NdArrayArguments.convert(array, raw, target); // numpy: typed arrays and zero-copy views
            if (converted != null) return converted;
        }
        if (raw.isPrimitive()) raw = boxed(raw);

        if (raw == Long.class) return toLong(value, target, Long.MIN_VALUE, Long.MAX_VALUE);
        if (raw == Integer.class) return (int) toLong(value, target, Integer.MIN_VALUE, Integer.MAX_VALUE);
        if (raw == Double.class) return toDouble(value, target);
        if (raw == String.class || raw == CharSequence.class) {
            if (value instanceof String) return value;
            throw mismatch(value, target);
        }
        if (raw == Boolean.class) {
            if (value instanceof Boolean) return value;
            throw mismatch(value, target);
        }
        if (raw == Short.class) return (short) toLong(value, target, Short.MIN_VALUE, Short.MAX_VALUE);
        if (raw == Byte.class) return (byte) toLong(value, target, Byte.MIN_VALUE, Byte.MAX_VALUE);
        if (raw == Float.class) {
            double d = toDouble(value, target);
            float f = (float) d;
            if (Float.isInfinite(f) && !Double.isInfinite(d)) {
                throw new ConversionException("expects " + PythonTypeNames.java(target) + ", got float " + d
                        + " out of range", true);
            }
            return f;
        }
        if (raw == Character.class) {
            if (value instanceof String s && s.length() == 1) return s.charAt(0);
            throw mismatch(value, target, "a str of length 1");
        }
        if (raw == byte[].class) {
            if (value instanceof byte[]) return value;
            if (value instanceof PyByteArray b) return b.bytes();
            throw mismatch(value, target);
        }
        if (raw == Optional.class) return Optional.ofNullable(convert(value, typeArgument(target, 0)));
        if (raw == BigInteger.class) {
            if (value instanceof Long l) return BigInteger.valueOf(l);
            if (value instanceof BigInteger) return value;
            if (value instanceof Boolean b) return b ? BigInteger.ONE : BigInteger.ZERO;
            throw mismatch(value, target);
        }
        if (raw == BigDecimal.class) {
            if (value instanceof BigDecimal) return value;
            if (value instanceof Long l) return BigDecimal.valueOf(l);
            if (value instanceof BigInteger b) return new BigDecimal(b);
            if (value instanceof Double d && Double.isFinite(d)) return BigDecimal.valueOf(d);
            throw mismatch(value, target);
        }
        if (raw == Number.class) {
            if (value instanceof Number) return value;
            throw mismatch(value, target);
        }
        if (raw == Duration.class) {
            if (value instanceof Duration) return value;
            if (value instanceof Long l) return Duration.ofSeconds(l);
            if (value instanceof Double d && Double.isFinite(d)) return Duration.ofNanos(Math.round(d * 1e9));
            throw mismatch(value, target);
        }
        if (raw == Instant.class) {
            if (value instanceof Instant) return value;
            if (value instanceof OffsetDateTime o) return o.toInstant();
            if (value instanceof ZonedDateTime z) return z.toInstant();
            throw mismatch(value, target, "an aware datetime");
        }
        if (raw.isEnum()) return toEnum(value, raw, target);
        if (raw.isArray()) return toArray(value, target, raw);
        if (raw == PyTuple.class) {
            if (value instanceof PyTuple) return value;
            if (value instanceof Collection<?> c) return PyTuple.copyOf(c);
            throw mismatch(value, target);
        }
        if (Map.class.isAssignableFrom(raw)) return toMap(value, target, raw);
        if (Iterable.class.isAssignableFrom(raw)) return toCollection(value, target, raw);
        if (raw.isInstance(value)) return value;
        throw mismatch(value, target);
    }

    // ------------------------------------------------------------------ numbers

    private static long toLong(Object value, Type target, long min, long max) throws ConversionException {
        long n;
        if (value instanceof Long l) {
            n = l;
        } else if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
            n = ((Number) value).longValue();
        } else if (value instanceof Boolean b) {
            n = b ? 1 : 0;
        } else if (value instanceof BigInteger big) {
            throw outOfRange(big, target);
        } else if (NdArrayArguments.integral(value) != null) {
            n = NdArrayArguments.integral(value);
        } else {
            throw mismatch(value, target);
        }
        if (n < min || n > max) throw outOfRange(n, target);
        return n;
    }

    private static ConversionException outOfRange(Object n, Type target) {
        return new ConversionException("expects " + PythonTypeNames.java(target) + ", got int " + n
                + " out of range", true);
    }

    private static double toDouble(Object value, Type target) throws ConversionException {
        if (value instanceof Double d) return d;
        if (value instanceof Long l) return l;
        if (value instanceof Float f) return f;
        if (value instanceof Integer || value instanceof Short || value instanceof Byte) return ((Number) value).doubleValue();
        if (value instanceof Boolean b) return b ? 1.0 : 0.0;
        if (NdArrayArguments.real(value) != null) return NdArrayArguments.real(value);
        if (value instanceof BigInteger big) {
            double d = big.doubleValue();
            if (Double.isInfinite(d)) throw outOfRange(big, target);
            return d;
        }
        throw mismatch(value, target);
    }

    // ------------------------------------------------------------------ others

    private static Object toEnum(Object value, Class<?> raw, Type target) throws ConversionException {
        if (raw.isInstance(value)) return value;
        if (value instanceof String name) {
            for (Object constant : raw.getEnumConstants()) {
                if (((Enum<?>) constant).name().equals(name)) return constant;
            }
            throw new ConversionException("expects " + PythonTypeNames.java(target) + ", got str '" + name
                    + "' (one of " + Arrays.toString(raw.getEnumConstants()) + ")", false);
        }
        throw mismatch(value, target, "a str naming a constant");
    }

    private static Object toArray(Object value, Type target, Class<?> raw) throws ConversionException {
        Type elementType = target instanceof GenericArrayType g ? g.getGenericComponentType() : raw.getComponentType();
        Class<?> elementClass = raw.getComponentType();
        if (raw.isInstance(value)) return value;
        Collection<?> items = asCollection(value);
        if (items == null) items = primitiveArrayItems(value);
        if (items == null) throw mismatch(value, target);
        Object array = Array.newInstance(elementClass, items.size());
        int i = 0;
        for (Object item : items) {
            Array.set(array, i, element(item, elementType, target, value, i));
            i++;
        }
        return array;
    }

    private static Object toCollection(Object value, Type target, Class<?> raw) throws ConversionException {
        Collection<?> items = asCollection(value);
        if (items == null) items = primitiveArrayItems(value);
        if (items == null) throw mismatch(value, target);
        Type elementType = typeArgument(target, 0);
        if (rawClass(elementType) == Object.class && raw.isInstance(value)) return value;
        Collection<Object> out = newCollection(raw, items.size(), target, value);
        int i = 0;
        for (Object item : items) {
            out.add(element(item, elementType, target, value, i++));
        }
        return out;
    }

    private static Object toMap(Object value, Type target, Class<?> raw) throws ConversionException {
        if (!(value instanceof Map<?, ?> map)) throw mismatch(value, target);
        Type keyType = typeArgument(target, 0);
        Type valueType = typeArgument(target, 1);
        if (rawClass(keyType) == Object.class && rawClass(valueType) == Object.class && raw.isInstance(value)) {
            return value;
        }
        Map<Object, Object> out;
        if (raw.isAssignableFrom(LinkedHashMap.class)) out = new LinkedHashMap<>(Math.max(4, map.size() * 2));
        else if (raw.isAssignableFrom(TreeMap.class)) out = new TreeMap<>();
        else throw mismatch(value, target);
        for (Map.Entry<?, ?> e : map.entrySet()) {
            Object k;
            Object v;
            try {
                k = convert(e.getKey(), keyType);
                v = convert(e.getValue(), valueType);
            } catch (ConversionException inner) {
                throw new ConversionException("expects " + PythonTypeNames.java(target) + ", got dict (at key "
                        + e.getKey() + ": " + inner.getMessage() + ")", inner.overflow());
            }
            out.put(k, v);
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Collection<Object> newCollection(Class<?> raw, int size, Type target, Object value)
            throws ConversionException {
        if (raw.isAssignableFrom(ArrayList.class)) return new ArrayList<>(size);
        if (raw.isAssignableFrom(LinkedHashSet.class)) return new LinkedHashSet<>(Math.max(4, size * 2));
        if (raw.isAssignableFrom(TreeSet.class)) return new TreeSet<>();
        if (raw.isAssignableFrom(ArrayDeque.class)) return new ArrayDeque<>(size);
        if (raw.isAssignableFrom(LinkedList.class)) return new LinkedList<>();
        throw mismatch(value, target);
    }

    private static Object element(Object item, Type elementType, Type target, Object container, int index)
            throws ConversionException {
        try {
            return convert(item, elementType);
        } catch (ConversionException inner) {
            throw new ConversionException("expects " + PythonTypeNames.java(target) + ", got "
                    + PythonTypeNames.of(container) + " whose item " + index + " " + inner.getMessage(), inner.overflow());
        }
    }

    private static Collection<?> asCollection(Object value) {
        if (value instanceof Collection<?> c) return c;
        if (value instanceof Object[] a) return Arrays.asList(a);
        return null;
    }

    /** Primitive arrays (e.g. the payload of an {@code array.array}) as a list of boxed items. */
    private static Collection<?> primitiveArrayItems(Object value) {
        if (value == null || !value.getClass().isArray() || value instanceof byte[]) return null;
        int n = Array.getLength(value);
        List<Object> items = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Object item = Array.get(value, i);
            if (item instanceof Integer || item instanceof Short || item instanceof Byte) item = ((Number) item).longValue();
            else if (item instanceof Float f) item = f.doubleValue();
            items.add(item);
        }
        return items;
    }

    // ------------------------------------------------------------------ types

    static Class<?> rawClass(Type type) {
        if (type instanceof Class<?> c) return c;
        if (type instanceof ParameterizedType p) return (Class<?>) p.getRawType();
        if (type instanceof GenericArrayType g) return Array.newInstance(rawClass(g.getGenericComponentType()), 0).getClass();
        if (type instanceof WildcardType w) return rawClass(w.getUpperBounds()[0]);
        if (type instanceof TypeVariable<?> v) return rawClass(v.getBounds()[0]);
        return Object.class;
    }

    private static Type typeArgument(Type type, int index) {
        if (type instanceof ParameterizedType p && p.getActualTypeArguments().length > index) {
            return p.getActualTypeArguments()[index];
        }
        return Object.class;
    }

    private static Class<?> boxed(Class<?> primitive) {
        if (primitive == int.class) return Integer.class;
        if (primitive == long.class) return Long.class;
        if (primitive == double.class) return Double.class;
        if (primitive == boolean.class) return Boolean.class;
        if (primitive == float.class) return Float.class;
        if (primitive == short.class) return Short.class;
        if (primitive == byte.class) return Byte.class;
        if (primitive == char.class) return Character.class;
        return Void.class;
    }

    private static ConversionException mismatch(Object value, Type target) {
        return new ConversionException("expects " + PythonTypeNames.java(target) + ", got " + PythonTypeNames.of(value), false);
    }

    private static ConversionException mismatch(Object value, Type target, String hint) {
        return new ConversionException("expects " + PythonTypeNames.java(target) + " (" + hint + "), got "
                + PythonTypeNames.of(value), false);
    }
}
