package io.picklebridge.wire;

import io.picklebridge.pickle.PyTuple;

/**
 * {@code ("item", id, value)}: one item of a streamed call ({@code "stream": True}), sent as the
 * worker produces it, before the call's terminal {@link Result} (the item count) or
 * {@link ErrorReply}.
 *
 * <pre>{@code
 * iterator.forEachRemaining(v -> ctx.write(new Item(call.id(), v)));
 * }</pre>
 */
public record Item(long id, Object value) implements Message {
    @Override
    public String kind() {
        return "item";
    }

    @Override
    public PyTuple toPickleValue() {
        return PyTuple.of("item", id, value);
    }
}
