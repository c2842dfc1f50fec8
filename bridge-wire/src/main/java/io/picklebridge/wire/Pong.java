package io.picklebridge.wire;

import io.picklebridge.pickle.PyTuple;

/**
 * {@code ("pong", payload)}: the reply to {@link Ping}, echoing its payload.
 *
 * <pre>{@code
 * if (message instanceof Ping ping) ctx.writeAndFlush(new Pong(ping.payload()));
 * }</pre>
 */
public record Pong(Object payload) implements Message {
    @Override
    public String kind() {
        return "pong";
    }

    @Override
    public PyTuple toPickleValue() {
        return PyTuple.of("pong", payload);
    }
}
