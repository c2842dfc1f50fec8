package io.picklebridge.pickle;

import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builders for the Java values the cross-language tests expect, and a strict comparison: the
 * same class at every node (an ArrayList is not a PyTuple, a Long is not a BigInteger, a byte[]
 * is not a PyByteArray), doubles equal as {@link Double#equals} has it (nan equals nan, -0.0 is
 * not 0.0), maps equal entry by entry in order.
 *
 * <pre>{@code
 * PythonValues.assertSame(list(1L, tuple("a", 2.0)), codec.loads(pickle));
 * }</pre>
 */
final class PythonValues {
    private PythonValues() {}

    static ArrayList<Object> list(Object... items) {
        return new ArrayList<>(Arrays.asList(items));
    }

    static PyTuple tuple(Object... items) {
        return PyTuple.of(items);
    }

    static LinkedHashSet<Object> set(Object... items) {
        return new LinkedHashSet<>(Arrays.asList(items));
    }

    /** An insertion-ordered map from alternating keys and values. */
    static LinkedHashMap<Object, Object> map(Object... keysAndValues) {
        return fill(new LinkedHashMap<>(), keysAndValues);
    }

    static <M extends Map<Object, Object>> M fill(M target, Object... keysAndValues) {
        for (int i = 0; i < keysAndValues.length; i += 2) target.put(keysAndValues[i], keysAndValues[i + 1]);
        return target;
    }

    /** Fails with the path of the first difference. */
    static void assertSameValue(Object expected, Object actual) {
        String difference = difference(expected, actual, "$");
        if (difference != null) throw new AssertionError(difference + "\n expected: " + expected + "\n   actual: " + actual);
    }

    /** Null if equal under the strict rules above, else a path and reason. Not for cyclic values. */
    static String difference(Object expected, Object actual, String path) {
        if (expected == null || actual == null) {
            return expected == actual ? null : path + ": " + describe(expected) + " != " + describe(actual);
        }
        if (expected.getClass() != actual.getClass()) {
            return path + ": class " + expected.getClass().getName() + " != " + actual.getClass().getName()
                    + " (" + describe(expected) + " vs " + describe(actual) + ")";
        }
        if (expected.getClass().isArray()) {
            int length = Array.getLength(expected);
            if (length != Array.getLength(actual)) return path + ": array length " + length + " != " + Array.getLength(actual);
            for (int i = 0; i < length; i++) {
                String found = difference(Array.get(expected, i), Array.get(actual, i), path + "[" + i + "]");
                if (found != null) return found;
            }
            return null;
        }
        if (expected instanceof List<?> e && actual instanceof List<?> a) {
            if (e.size() != a.size()) return path + ": length " + e.size() + " != " + a.size();
            for (int i = 0; i < e.size(); i++) {
                String found = difference(e.get(i), a.get(i), path + "[" + i + "]");
                if (found != null) return found;
            }
            return null;
        }
        if (expected instanceof Map<?, ?> e && actual instanceof Map<?, ?> a) {
            if (e.size() != a.size()) return path + ": size " + e.size() + " != " + a.size() + " (" + e.keySet() + " vs " + a.keySet() + ")";
            Iterator<? extends Map.Entry<?, ?>> ei = e.entrySet().iterator();
            Iterator<? extends Map.Entry<?, ?>> ai = a.entrySet().iterator();
            while (ei.hasNext()) {
                Map.Entry<?, ?> ee = ei.next();
                Map.Entry<?, ?> ae = ai.next();
                String found = difference(ee.getKey(), ae.getKey(), path + "<key>");
                if (found == null) found = difference(ee.getValue(), ae.getValue(), path + "[" + describe(ee.getKey()) + "]");
                if (found != null) return found;
            }
            return expected.equals(actual) ? null : path + ": " + expected + " != " + actual;
        }
        if (expected instanceof Set<?> e && actual instanceof Set<?> a) {
            return e.equals(a) ? null : path + ": " + e + " != " + a;
        }
        return expected.equals(actual) ? null : path + ": " + describe(expected) + " != " + describe(actual);
    }

    static String describe(Object value) {
        if (value == null) return "null";
        if (value instanceof byte[] bytes) return "byte[" + bytes.length + "]";
        if (value instanceof String s) return "\"" + s.codePoints().limit(60).collect(StringBuilder::new,
                (b, c) -> b.append(c < 32 || c > 126 ? String.format("\\u%04x", c) : String.valueOf((char) c)),
                StringBuilder::append) + "\"";
        String text = value.getClass().getSimpleName() + " " + value;
        return text.length() > 200 ? text.substring(0, 200) + "..." : text;
    }
}
