package io.picklebridge.wire;

import io.picklebridge.pickle.PyTuple;

/**
 * {@code ("bye",)}: the client is done. The server finishes the connection's requests in
 * flight, sends their replies, and closes the connection. Not answered.
 *
 * <pre>{@code
 * channel.writeAndFlush(Bye.INSTANCE);
 * }</pre>
 */
public record Bye() implements Message {
    /** The one value there is. */
    public static final Bye INSTANCE = new Bye();

    @Override
    public String kind() {
        return "bye";
    }

    @Override
    public PyTuple toPickleValue() {
        return PyTuple.of("bye");
    }
}
