package io.picklebridge.pickle;

import java.util.Arrays;

/** Python-like {@code repr} text for decoded values, used by the value types' toString. */
final class PyRepr {
    private PyRepr() {}

    static String of(Object value) {
        if (value == null) return "None";
        if (value instanceof Boolean b) return b ? "True" : "False";
        if (value instanceof String s) return "'" + s + "'";
        if (value instanceof byte[] bytes) return "b" + Arrays.toString(bytes);
        return String.valueOf(value);
    }
}
