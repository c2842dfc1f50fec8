package io.picklebridge.server.registry;

import io.picklebridge.server.BridgeCallException;
import io.picklebridge.server.convert.ArgumentConverter;
import io.picklebridge.server.convert.ConversionException;
import io.picklebridge.server.convert.PythonTypeNames;

import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Binds a call's positional and keyword arguments to Java parameters, the way Python binds
 * them to a function's, converting each value with {@link ArgumentConverter}. Failures are
 * {@code TypeError}s (or {@code OverflowError}) worded like Python's and naming the parameter:
 * {@code "sys.sleep(): parameter 'seconds' expects double, got str"}.
 *
 * <pre>{@code
 * ParameterBinder binder = new ParameterBinder("math.add", List.of(new Parameter("a", long.class),
 *         new Parameter("b", long.class)), false);
 * Object[] values = binder.bind(List.of(1L), Map.of("b", 2L));   // {1L, 2L}
 * }</pre>
 */
final class ParameterBinder {
    /** One Java parameter: its Python-visible name and declared (generic) type. */
    record Parameter(String name, Type type) {}

    private final String workerName;
    private final Parameter[] parameters;
    private final boolean varargs;
    private final int positional;
    /** For a worker of exactly one plain parameter: the class a value needs to pass as it is. */
    private final Class<?> onlyParameterPassesAsIs;

    ParameterBinder(String workerName, List<Parameter> parameters, boolean varargs) {
        this.workerName = workerName;
        this.parameters = parameters.toArray(new Parameter[0]);
        this.varargs = varargs;
        this.positional = varargs ? this.parameters.length - 1 : this.parameters.length;
        this.onlyParameterPassesAsIs = this.parameters.length == 1 && !varargs
                ? passesAsIs(this.parameters[0].type()) : null;
    }

    /**
     * The values for one positional argument, or null when the general {@link #bind} is needed.
     * Map items take this path: per item it costs one type check when the value already has
     * the parameter's type, and otherwise one conversion.
     */
    Object[] bindOne(Object argument) {
        Class<?> asIs = onlyParameterPassesAsIs;
        if (asIs == null) {
            if (parameters.length != 1 || varargs) return null;
            return new Object[] {convert(argument, parameters[0])};
        }
        return new Object[] {asIs.isInstance(argument) ? argument : convert(argument, parameters[0])};
    }

    /**
     * The class whose instances {@link ArgumentConverter} returns unchanged for this parameter
     * type, or null when conversion may change them (generic containers, primitives, Optional).
     */
    private static Class<?> passesAsIs(Type type) {
        if (type == long.class) return Long.class;
        if (type == double.class) return Double.class;
        if (type == boolean.class) return Boolean.class;
        if (!(type instanceof Class<?> c) || c.isPrimitive() || c.isArray() || c == Optional.class) return null;
        if (c == Object.class || c == Number.class || c == String.class || c == Long.class
                || c == Double.class || c == Boolean.class || c == java.math.BigInteger.class) {
            return c;
        }
        return null;
    }

    Object[] bind(List<Object> args, Map<String, Object> kwargs) {
        int given = args.size();
        if (given > positional && !varargs) {
            throw typeError(workerName + "() takes " + plural(positional, "positional argument") + " but "
                    + given + (given == 1 ? " was" : " were") + " given");
        }
        Object[] values = new Object[parameters.length];
        boolean[] bound = new boolean[parameters.length];
        int direct = Math.min(given, positional);
        for (int i = 0; i < direct; i++) {
            values[i] = convert(args.get(i), parameters[i]);
            bound[i] = true;
        }
        if (varargs) {
            int last = parameters.length - 1;
            List<Object> rest = given > positional ? args.subList(positional, given) : List.of();
            values[last] = convert(new ArrayList<>(rest), parameters[last]);
            bound[last] = true;
        }
        if (kwargs != null && !kwargs.isEmpty()) {
            for (Map.Entry<String, Object> e : kwargs.entrySet()) {
                int index = indexOf(e.getKey());
                if (index < 0 || (varargs && index == parameters.length - 1)) {
                    throw typeError(workerName + "() got an unexpected keyword argument '" + e.getKey() + "'");
                }
                if (bound[index]) {
                    throw typeError(workerName + "() got multiple values for argument '" + e.getKey() + "'");
                }
                values[index] = convert(e.getValue(), parameters[index]);
                bound[index] = true;
            }
        }
        for (int i = 0; i < parameters.length; i++) {
            if (bound[i]) continue;
            if (parameters[i].type() == Optional.class
                    || parameters[i].type() instanceof java.lang.reflect.ParameterizedType p && p.getRawType() == Optional.class) {
                values[i] = Optional.empty();
            } else {
                throw typeError(workerName + "() missing required argument: '" + parameters[i].name() + "'");
            }
        }
        return values;
    }

    /** {@code (seconds: double, xs: long...)}. */
    String describeParameters() {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < parameters.length; i++) {
            if (i > 0) sb.append(", ");
            String type = PythonTypeNames.java(parameters[i].type());
            if (varargs && i == parameters.length - 1 && type.endsWith("[]")) {
                sb.append('*').append(parameters[i].name()).append(": ").append(type, 0, type.length() - 2);
            } else {
                sb.append(parameters[i].name()).append(": ").append(type);
            }
        }
        return sb.append(')').toString();
    }

    private Object convert(Object value, Parameter parameter) {
        try {
            return ArgumentConverter.convert(value, parameter.type());
        } catch (ConversionException e) {
            throw new BridgeCallException(e.overflow() ? "OverflowError" : "TypeError",
                    workerName + "(): parameter '" + parameter.name() + "' " + e.getMessage());
        }
    }

    private int indexOf(String name) {
        for (int i = 0; i < parameters.length; i++) {
            if (parameters[i].name().equals(name)) return i;
        }
        return -1;
    }

    private static BridgeCallException typeError(String message) {
        return new BridgeCallException("TypeError", message);
    }

    private static String plural(int n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }
}
