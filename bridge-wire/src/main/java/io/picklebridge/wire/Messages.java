package io.picklebridge.wire;

import io.picklebridge.pickle.PyTuple;

import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a {@link Message} from a decoded pickle value, checking its shape and item types.
 * Anything else raises a {@link ProtocolException} naming what was wrong, carrying the
 * message kind and request id whenever those could be read.
 *
 * <pre>{@code
 * Message m = Messages.fromPickleValue(PyTuple.of("cancel", 7L));   // new Cancel(7)
 * Messages.fromPickleValue(PyTuple.of("call", 7L, 42L, PyTuple.empty(), Map.of()));
 *     // ProtocolException: 'call' message: worker (item 2) must be a str, got int; requestId() = 7
 * }</pre>
 *
 * <p>Leniencies (documented in {@code docs/protocol.md}): a list is accepted where a tuple of
 * arguments is expected and a tuple where the list of map items is expected; option keys this
 * version does not know are ignored; missing string keys of an error info read as {@code ""}; None stands for empty args,
 * kwargs or options; {@code ("ping",)} is a ping with payload None.
 */
public final class Messages {
    /** Largest timeout accepted (about 292 years: what a Duration of nanoseconds in a long holds). */
    static final double MAX_TIMEOUT_SECONDS = 9.2e9;

    private Messages() {}

    /** The message a decoded pickle value holds. */
    public static Message fromPickleValue(Object value) {
        if (!(value instanceof PyTuple t) || t.isEmpty() || !(t.get(0) instanceof String kind)) {
            throw new ProtocolException("a message must be a tuple whose first item is a str naming its kind, got "
                    + describe(value));
        }
        Reader r = new Reader(t, kind);
        return switch (kind) {
            case "hello" -> {
                r.size(2, 2, "(kind, info_dict)");
                yield new Hello(r.stringKeyedDict(1, "info"));
            }
            case "call" -> {
                r.size(5, 6, "(kind, id, worker, args, kwargs[, options])");
                long id = r.id();
                yield new Call(id, r.string(2, "worker"), r.args(3), r.kwargs(4),
                        t.size() == 6 ? r.options(5) : CallOptions.NONE);
            }
            case "map" -> {
                r.size(4, 5, "(kind, id, worker, items[, options])");
                long id = r.id();
                yield new MapChunk(id, r.string(2, "worker"), r.items(3),
                        t.size() == 5 ? r.options(4) : CallOptions.NONE);
            }
            case "cancel" -> {
                r.size(2, 2, "(kind, id)");
                yield new Cancel(r.id());
            }
            case "ping" -> {
                r.size(1, 2, "(kind[, payload])");
                yield new Ping(t.size() == 2 ? t.get(1) : null);
            }
            case "pong" -> {
                r.size(2, 2, "(kind, payload)");
                yield new Pong(t.get(1));
            }
            case "bye" -> {
                r.size(1, 1, "(kind,)");
                yield Bye.INSTANCE;
            }
            case "result" -> {
                r.size(3, 3, "(kind, id, value)");
                yield new Result(r.id(), t.get(2));
            }
            case "item" -> {
                r.size(3, 3, "(kind, id, value)");
                yield new Item(r.id(), t.get(2));
            }
            case "error" -> {
                r.size(3, 3, "(kind, id or None, info)");
                Long id = t.get(1) == null ? null : r.id();
                yield new ErrorReply(id, r.errorInfo(2));
            }
            default -> throw r.error("unknown message kind '" + kind + "'");
        };
    }

    /** The Python type name of a decoded value, for error messages. */
    static String pythonType(Object value) {
        if (value == null) return "NoneType";
        if (value instanceof Boolean) return "bool";
        if (value instanceof Long || value instanceof BigInteger) return "int";
        if (value instanceof Double) return "float";
        if (value instanceof String) return "str";
        if (value instanceof byte[]) return "bytes";
        if (value instanceof PyTuple) return "tuple";
        if (value instanceof List) return "list";
        if (value instanceof Map) return "dict";
        if (value instanceof Set) return "set";
        return value.getClass().getSimpleName();
    }

    /** Python's repr of a number, for error messages ({@code -1.0}, {@code inf}, {@code nan}). */
    static String pyRepr(Object number) {
        if (number instanceof Double d) {
            if (d.isNaN()) return "nan";
            if (d.isInfinite()) return d > 0 ? "inf" : "-inf";
        }
        return String.valueOf(number);
    }

    private static String describe(Object value) {
        if (value instanceof PyTuple t) {
            return t.isEmpty() ? "an empty tuple" : "a tuple starting with " + pythonType(t.get(0));
        }
        return pythonType(value);
    }

    /** Reads the items of one message tuple, producing errors that name the kind and id. */
    private static final class Reader {
        private final PyTuple tuple;
        private final String kind;

        Reader(PyTuple tuple, String kind) {
            this.tuple = tuple;
            this.kind = kind;
        }

        ProtocolException error(String what) {
            Long id = tuple.size() > 1 && tuple.get(1) instanceof Long l ? l : null;
            return new ProtocolException(what, kind, id, null);
        }

        void size(int min, int max, String shape) {
            int n = tuple.size();
            if (n < min || n > max) {
                String expected = min == max ? String.valueOf(min) : min + " or " + max;
                throw error("'" + kind + "' message must have " + expected + " items " + shape + ", got " + n);
            }
        }

        private ProtocolException wrongType(int index, String name, String expected) {
            return error("'" + kind + "' message: " + name + " (item " + index + ") must be " + expected
                    + ", got " + pythonType(tuple.get(index)));
        }

        long id() {
            Object v = tuple.get(1);
            if (v instanceof Long l) return l;
            throw wrongType(1, "id", v instanceof BigInteger ? "an int of at most 64 bits" : "an int");
        }

        String string(int index, String name) {
            if (tuple.get(index) instanceof String s) return s;
            throw wrongType(index, name, "a str");
        }

        PyTuple args(int index) {
            Object v = tuple.get(index);
            if (v instanceof PyTuple t) return t;
            if (v instanceof List<?> list) return PyTuple.copyOf(list);
            if (v == null) return PyTuple.empty();
            throw wrongType(index, "args", "a tuple");
        }

        @SuppressWarnings("unchecked")
        List<Object> items(int index) {
            Object v = tuple.get(index);
            if (v instanceof List<?> list) return (List<Object>) list; // PyTuple is a List too
            throw wrongType(index, "items", "a list");
        }

        @SuppressWarnings("unchecked")
        Map<String, Object> stringKeyedDict(int index, String name) {
            Object v = tuple.get(index);
            if (!(v instanceof Map<?, ?> map)) throw wrongType(index, name, "a dict");
            for (Object key : map.keySet()) {
                if (!(key instanceof String)) {
                    throw error("'" + kind + "' message: " + name + " (item " + index + ") keys must be str, got "
                            + pythonType(key));
                }
            }
            return (Map<String, Object>) map;
        }

        Map<String, Object> kwargs(int index) {
            return tuple.get(index) == null ? Map.of() : stringKeyedDict(index, "kwargs");
        }

        CallOptions options(int index) {
            if (tuple.get(index) == null) return CallOptions.NONE;
            Map<String, Object> map = stringKeyedDict(index, "options");
            Duration timeout = null;
            Object t = map.get("timeout");
            if (t != null) {
                double seconds;
                if (t instanceof Double d) seconds = d;
                else if (t instanceof Long l) seconds = l;
                else throw error("'" + kind + "' options: timeout must be a float (seconds) or None, got " + pythonType(t));
                if (!(seconds > 0) || seconds > MAX_TIMEOUT_SECONDS) {
                    throw error("'" + kind + "' options: timeout must be a positive, finite number of seconds, got "
                            + Messages.pyRepr(t));
                }
                timeout = Duration.ofNanos((long) (seconds * 1e9));
            }
            return new CallOptions(timeout, flag(map, "star"), flag(map, "stream"));
        }

        private boolean flag(Map<String, Object> options, String key) {
            Object v = options.get(key);
            if (v == null) return false;
            if (v instanceof Boolean b) return b;
            throw error("'" + kind + "' options: " + key + " must be a bool, got " + pythonType(v));
        }

        ErrorInfo errorInfo(int index) {
            Map<String, Object> map = stringKeyedDict(index, "info");
            if (!(map.get("type") instanceof String type)) {
                throw error("'error' message: info['type'] must be a str, got " + pythonType(map.get("type")));
            }
            Integer position = null;
            Object i = map.get("index");
            if (i != null) {
                if (!(i instanceof Long l) || l < 0 || l > Integer.MAX_VALUE) {
                    throw error("'error' message: info['index'] must be a non-negative int, got " + i);
                }
                position = l.intValue();
            }
            return new ErrorInfo(type, optionalString(map, "java_class"), optionalString(map, "message"),
                    optionalString(map, "traceback"), position, nullableString(map, "worker"));
        }

        private String optionalString(Map<String, Object> map, String key) {
            String s = nullableString(map, key);
            return s == null ? "" : s;
        }

        private String nullableString(Map<String, Object> map, String key) {
            Object v = map.get(key);
            if (v == null || v instanceof String) return (String) v;
            throw error("'error' message: info['" + key + "'] must be a str, got " + pythonType(v));
        }
    }
}
