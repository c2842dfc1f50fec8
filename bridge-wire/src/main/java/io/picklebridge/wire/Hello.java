package io.picklebridge.wire;

import io.picklebridge.pickle.PyTuple;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * {@code ("hello", info_dict)}: the optional first message of a client, and the server's reply
 * to it. The client's dict holds {@code "protocol"} (the highest pickle protocol it reads),
 * {@code "client"} and {@code "capabilities"}; the server's holds {@code "server"},
 * {@code "version"}, {@code "protocol"} (the protocol both sides use from then on),
 * {@code "capabilities"}, {@code "max_frame"}, {@code "max_in_flight"}, {@code "threads"} and
 * {@code "pid"}. Unknown keys are kept.
 *
 * <pre>{@code
 * Map<String, Object> info = new LinkedHashMap<>();
 * info.put("protocol", 5L);
 * info.put("capabilities", Hello.CAPABILITIES);
 * channel.writeAndFlush(new Hello(info));
 * }</pre>
 *
 * @param info the dict, in insertion order (values may be null, Python's None)
 */
public record Hello(Map<String, Object> info) implements Message {
    /** The protocol version this library speaks, the server hello's {@code "version"}. */
    public static final int VERSION = 1;
    /** Capabilities of protocol version 1. */
    public static final List<String> CAPABILITIES = List.of("call", "map", "stream", "cancel", "ping", "timeout");

    public Hello {
        info = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(info, "info")));
    }

    @Override
    public String kind() {
        return "hello";
    }

    /** The {@code "protocol"} entry when it is an int. */
    public OptionalInt protocol() {
        Object p = info.get("protocol");
        if (p instanceof Long n && n >= 0 && n <= Integer.MAX_VALUE) {
            return OptionalInt.of(n.intValue());
        }
        return OptionalInt.empty();
    }

    /** The {@code "capabilities"} entry's strings (empty when absent). */
    public List<String> capabilities() {
        List<String> out = new ArrayList<>();
        if (info.get("capabilities") instanceof Iterable<?> items) {
            for (Object item : items) {
                if (item instanceof String s) out.add(s);
            }
        }
        return out;
    }

    @Override
    public PyTuple toPickleValue() {
        return PyTuple.of("hello", info);
    }
}
