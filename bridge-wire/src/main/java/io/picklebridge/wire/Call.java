package io.picklebridge.wire;

import io.picklebridge.pickle.PyTuple;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * {@code ("call", id, worker, args_tuple, kwargs_dict)}, or with a sixth item
 * {@code options_dict} when any option is set: call one worker. Answered by exactly one
 * {@link Result} or {@link ErrorReply} with the same id (and, when streamed, {@link Item}s before).
 *
 * <pre>{@code
 * new Call(1, "sys.echo", PyTuple.of(List.of(1L, "two", 3.0)), Map.of(), CallOptions.NONE)
 *     .toPickleValue();   // ('call', 1, 'sys.echo', ([1, 'two', 3.0],), {})
 * }</pre>
 */
public record Call(long id, String worker, PyTuple args, Map<String, Object> kwargs, CallOptions options)
        implements Message {

    public Call {
        Objects.requireNonNull(worker, "worker");
        Objects.requireNonNull(args, "args");
        kwargs = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(kwargs, "kwargs")));
        Objects.requireNonNull(options, "options");
    }

    /** A call without keyword arguments or options. */
    public static Call of(long id, String worker, Object... args) {
        return new Call(id, worker, PyTuple.of(args), Map.of(), CallOptions.NONE);
    }

    @Override
    public String kind() {
        return "call";
    }

    @Override
    public PyTuple toPickleValue() {
        return options.isEmpty()
                ? PyTuple.of("call", id, worker, args, kwargs)
                : PyTuple.of("call", id, worker, args, kwargs, options.toMap());
    }
}
