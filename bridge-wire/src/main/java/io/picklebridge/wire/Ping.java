package io.picklebridge.wire;

import io.picklebridge.pickle.PyTuple;

/**
 * {@code ("ping", payload)}: liveness check, answered by {@link Pong} with the same payload
 * (any picklable value, often None or a counter).
 *
 * <pre>{@code
 * channel.writeAndFlush(new Ping(42L));   // expect new Pong(42L)
 * }</pre>
 */
public record Ping(Object payload) implements Message {
    @Override
    public String kind() {
        return "ping";
    }

    @Override
    public PyTuple toPickleValue() {
        return PyTuple.of("ping", payload);
    }
}
