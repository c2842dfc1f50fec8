package io.picklebridge.server.dispatch;

import io.picklebridge.pickle.PyTuple;
import io.picklebridge.wire.ProtocolException;

import java.math.BigInteger;
import java.util.List;
import java.util.Map;

/**
 * Checks the shape of a decoded request tuple (protocol section 4) and reads its fields;
 * every violation is a {@link ProtocolException} carrying the id when it could be read.
 *
 * <pre>
 * ("call", id, worker, args_tuple, kwargs_dict[, options_dict])
 * ("map", id, worker, items_list, options_dict)
 * ("cancel", id)   ("ping", payload)   ("hello", info_dict)   ("bye",)
 * </pre>
 */
final class RequestParser {
    private RequestParser() {}

    /** The message kind of a decoded frame. */
    static String kind(Object message) {
        if (!(message instanceof PyTuple tuple) || tuple.isEmpty() || !(tuple.get(0) instanceof String kind)) {
            throw new ProtocolException("a message must be a tuple whose first item is a str naming its kind, got "
                    + describe(message), null, null, null);
        }
        return kind;
    }

    /** The request id of a message, or null when it has none that can be read. */
    static Object idOf(PyTuple message) {
        if (message.size() < 2) return null;
        Object id = message.get(1);
        return id instanceof Long || id instanceof BigInteger ? id : null;
    }

    static CallRequest call(PyTuple m, int protocol) {
        Object id = requireId(m);
        if (m.size() != 5 && m.size() != 6) {
            throw shape(m, id, "call takes (\"call\", id, worker, args, kwargs[, options]), got " + m.size() + " items");
        }
        String worker = string(m, id, 2, "worker");
        List<Object> args = sequence(m, id, 3, "args");
        Map<String, Object> kwargs = kwargs(m, id, 4);
        Map<?, ?> options = m.size() == 6 ? options(m, id, 5) : Map.of();
        return new CallRequest(CallRequest.Kind.CALL, id, worker, args, kwargs, null, false,
                flag(options, "stream", m, id), timeout(options, m, id), protocol);
    }

    static CallRequest map(PyTuple m, int protocol) {
        Object id = requireId(m);
        if (m.size() != 5 && m.size() != 4) {
            throw shape(m, id, "map takes (\"map\", id, worker, items, options), got " + m.size() + " items");
        }
        String worker = string(m, id, 2, "worker");
        List<Object> items = sequence(m, id, 3, "items");
        Map<?, ?> options = m.size() == 5 ? options(m, id, 4) : Map.of();
        return new CallRequest(CallRequest.Kind.MAP, id, worker, null, Map.of(), items,
                flag(options, "star", m, id), false, timeout(options, m, id), protocol);
    }

    static Object requireId(PyTuple m) {
        Object id = idOf(m);
        if (id == null) {
            throw new ProtocolException(m.get(0) + " needs an int request id as its second item, got "
                    + (m.size() < 2 ? "nothing" : describe(m.get(1))), (String) m.get(0), null, null);
        }
        return id;
    }

    private static String string(PyTuple m, Object id, int index, String what) {
        if (m.get(index) instanceof String s) return s;
        throw shape(m, id, what + " must be a str, got " + describe(m.get(index)));
    }

    @SuppressWarnings("unchecked")
    private static List<Object> sequence(PyTuple m, Object id, int index, String what) {
        Object value = m.get(index);
        if (value instanceof List<?> list) return (List<Object>) list;
        if (value == null && "args".equals(what)) return List.of();
        throw shape(m, id, what + " must be a tuple or list, got " + describe(value));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> kwargs(PyTuple m, Object id, int index) {
        Object value = m.get(index);
        if (value == null) return Map.of();
        if (!(value instanceof Map<?, ?> map)) throw shape(m, id, "kwargs must be a dict, got " + describe(value));
        for (Object key : map.keySet()) {
            if (!(key instanceof String)) throw shape(m, id, "kwargs keys must be str, got " + describe(key));
        }
        return (Map<String, Object>) map;
    }

    private static Map<?, ?> options(PyTuple m, Object id, int index) {
        Object value = m.get(index);
        if (value == null) return Map.of();
        if (value instanceof Map<?, ?> map) return map;
        throw shape(m, id, "options must be a dict, got " + describe(value));
    }

    private static boolean flag(Map<?, ?> options, String key, PyTuple m, Object id) {
        Object value = options.get(key);
        if (value == null) return false;
        if (value instanceof Boolean b) return b;
        throw shape(m, id, "option '" + key + "' must be a bool, got " + describe(value));
    }

    private static double timeout(Map<?, ?> options, PyTuple m, Object id) {
        Object value = options.get("timeout");
        if (value == null) return 0;
        double seconds;
        if (value instanceof Double d) seconds = d;
        else if (value instanceof Long l) seconds = l;
        else throw shape(m, id, "option 'timeout' must be a number of seconds, got " + describe(value));
        if (!(seconds > 0) || Double.isInfinite(seconds)) {
            throw shape(m, id, "option 'timeout' must be positive and finite, got " + seconds);
        }
        return seconds;
    }

    private static ProtocolException shape(PyTuple m, Object id, String message) {
        return new ProtocolException(message, (String) m.get(0), id instanceof Long l ? l : null, null);
    }

    static String describe(Object value) {
        return io.picklebridge.server.convert.PythonTypeNames.of(value);
    }
}
