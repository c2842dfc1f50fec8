package io.picklebridge.pickle;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Python's rule for dict keys and set members, checked before any {@code hashCode} runs: list,
 * dict, set, bytearray and objects built as list or dict subclasses are unhashable, and so is
 * a tuple holding one. Failing here is what keeps a frozenset of nested lists from hashing
 * (and hanging on) a deep graph.
 */
final class Hashability {
    private Hashability() {}

    static void require(Object value) {
        String type = unhashableType(value);
        if (type != null) throw new PickleRefusedException("unhashable type: '" + type + "'");
    }

    /** The Python type name that makes {@code value} unhashable, or null if it is hashable. */
    static String unhashableType(Object value) {
        if (value == null || value instanceof String || value instanceof Long || value instanceof Boolean
                || value instanceof Double) {
            return null;
        }
        if (value instanceof PyTuple tuple) return tuple.unhashableType();
        if (value instanceof PyFrozenSet) return null;
        if (value instanceof List) return "list";
        if (value instanceof Map) return "dict";
        if (value instanceof Set) return "set";
        if (value instanceof PyByteArray) return "bytearray";
        if (value instanceof PyArray) return "array.array";
        if (value instanceof PyObject object) {
            if (!object.listItems().isEmpty()) return object.type().qualname();
            if (!object.dictItems().isEmpty()) return object.type().qualname();
        }
        return null;
    }
}
