package io.picklebridge.wire;

import io.picklebridge.pickle.PyTuple;

import java.util.Objects;

/**
 * {@code ("error", id, info_dict)}: terminal reply, the request failed; or
 * {@code ("error", None, info_dict)}: a connection-level error about a frame whose id could not
 * be read.
 *
 * <pre>{@code
 * ctx.writeAndFlush(new ErrorReply(call.id(), ErrorInfo.of("ValueError", "n must be positive")));
 * ctx.writeAndFlush(ErrorReply.connectionLevel(ErrorInfo.protocolError("not a pickle")));
 * }</pre>
 *
 * @param id the request id, or null for a connection-level error
 */
public record ErrorReply(Long id, ErrorInfo info) implements Message {
    public ErrorReply {
        Objects.requireNonNull(info, "info");
    }

    /** {@code ("error", None, info)}. */
    public static ErrorReply connectionLevel(ErrorInfo info) {
        return new ErrorReply(null, info);
    }

    /** True for {@code ("error", None, ...)}. */
    public boolean isConnectionLevel() {
        return id == null;
    }

    @Override
    public String kind() {
        return "error";
    }

    @Override
    public PyTuple toPickleValue() {
        return PyTuple.of("error", id, info.toMap());
    }
}
