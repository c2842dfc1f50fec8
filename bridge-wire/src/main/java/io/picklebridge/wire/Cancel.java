package io.picklebridge.wire;

import io.picklebridge.pickle.PyTuple;

/**
 * {@code ("cancel", id)}: cancel request {@code id}, queued or running (its thread is
 * interrupted). The request still gets its one terminal reply: an {@link ErrorReply} of type
 * {@code "CancelledError"}, or its {@link Result} when it finished first. Cancelling an unknown
 * or finished id does nothing and gets no reply.
 *
 * <pre>{@code
 * channel.writeAndFlush(new Cancel(7));
 * }</pre>
 */
public record Cancel(long id) implements Message {
    @Override
    public String kind() {
        return "cancel";
    }

    @Override
    public PyTuple toPickleValue() {
        return PyTuple.of("cancel", id);
    }
}
