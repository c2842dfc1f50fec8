package io.picklebridge.server.convert;

import io.picklebridge.pickle.PyByteArray;
import io.picklebridge.pickle.PyGlobal;
import io.picklebridge.pickle.PyObject;
import io.picklebridge.pickle.PyTuple;

import java.lang.reflect.GenericArrayType;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.WildcardType;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Names for error messages: the Python type of a decoded value ({@code int}, {@code str},
 * {@code dict}...) and a short Java type ({@code List<Integer>}, {@code double[]}).
 *
 * <pre>{@code
 * PythonTypeNames.of(3L);               // "int"
 * PythonTypeNames.java(double[].class); // "double[]"
 * }</pre>
 */
public final class PythonTypeNames {
    private PythonTypeNames() {}

    /** The Python type name a decoded value came from. */
    public static String of(Object value) {
        if (value == null) return "NoneType";
        if (value instanceof Boolean) return "bool";
        if (value instanceof Long || value instanceof BigInteger || value instanceof Integer
                || value instanceof Short || value instanceof Byte) return "int";
        if (value instanceof Double || value instanceof Float) return "float";
        if (value instanceof String || value instanceof Character) return "str";
        if (value instanceof byte[]) return "bytes";
        if (value instanceof PyByteArray) return "bytearray";
        if (value instanceof PyTuple) return "tuple";
        if (value instanceof PyObject o) return o.type().qualifiedName();
        if (value instanceof PyGlobal) return "type";
        if (value instanceof io.picklebridge.pickle.numpy.NdArray a) return "numpy.ndarray of " + a.dtype().name();
        if (value instanceof io.picklebridge.pickle.numpy.NumpyScalar s) return "numpy." + s.dtype().name();
        if (value instanceof io.picklebridge.pickle.numpy.DataFrame) return "pandas.DataFrame";
        if (value instanceof io.picklebridge.pickle.numpy.Series) return "pandas.Series";
        Class<?> type = value.getClass();
        if (type.getPackageName().equals("io.picklebridge.pickle") && type.getSimpleName().startsWith("Py")) {
            return pythonNameOfCodecType(type.getSimpleName().substring(2));
        }
        if (value instanceof LocalDate) return "datetime.date";
        if (value instanceof LocalTime || value instanceof OffsetTime) return "datetime.time";
        if (value instanceof LocalDateTime || value instanceof OffsetDateTime || value instanceof ZonedDateTime) {
            return "datetime.datetime";
        }
        if (value instanceof Duration) return "datetime.timedelta";
        if (value instanceof BigDecimal) return "decimal.Decimal";
        if (value instanceof UUID) return "uuid.UUID";
        if (value instanceof Map) return "dict";
        if (value instanceof Set) return "set";
        if (value instanceof List) return "list";
        return "java:" + type.getName();
    }

    private static String pythonNameOfCodecType(String simpleName) {
        switch (simpleName) {
            case "FrozenSet": return "frozenset";
            case "Complex": return "complex";
            case "Range": return "range";
            case "Slice": return "slice";
            case "Fraction": return "fractions.Fraction";
            case "OrderedDict": return "collections.OrderedDict";
            case "DefaultDict": return "collections.defaultdict";
            case "Counter": return "collections.Counter";
            case "Array": return "array.array";
            default: return simpleName.toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** A Java type as a reader writes it: simple names, generics kept. */
    public static String java(Type type) {
        if (type instanceof Class<?> c) {
            if (c.isArray()) return java(c.getComponentType()) + "[]";
            return c.getSimpleName();
        }
        if (type instanceof ParameterizedType p) {
            StringBuilder sb = new StringBuilder(java(p.getRawType())).append('<');
            Type[] args = p.getActualTypeArguments();
            for (int i = 0; i < args.length; i++) {
                if (i > 0) sb.append(", ");
                sb.append(java(args[i]));
            }
            return sb.append('>').toString();
        }
        if (type instanceof GenericArrayType g) return java(g.getGenericComponentType()) + "[]";
        if (type instanceof WildcardType w) {
            Type[] upper = w.getUpperBounds();
            return upper.length == 1 && upper[0] != Object.class ? "? extends " + java(upper[0]) : "?";
        }
        return type.getTypeName();
    }
}
