package io.picklebridge.wire;

import io.picklebridge.pickle.PyTuple;

/**
 * {@code ("result", id, value)}: terminal reply, the request succeeded. For {@code call} the
 * value returned; for {@code map} the list of results in item order; for a streamed call the
 * number of {@link Item}s sent.
 *
 * <pre>{@code
 * ctx.writeAndFlush(new Result(call.id(), returned));
 * }</pre>
 */
public record Result(long id, Object value) implements Message {
    @Override
    public String kind() {
        return "result";
    }

    @Override
    public PyTuple toPickleValue() {
        return PyTuple.of("result", id, value);
    }
}
