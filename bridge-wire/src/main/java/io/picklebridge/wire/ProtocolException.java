package io.picklebridge.wire;

import java.util.OptionalLong;

/**
 * A well-framed message that cannot be used: not a pickle, a pickle the codec refuses, or a
 * value of the wrong shape (not a tuple, unknown kind, an argument of the wrong type). When the
 * request id could be read it is carried, so the receiver can answer
 * {@code ("error", id, {"type": "ProtocolError", ...})}; otherwise it answers
 * {@code ("error", None, ...)}. The connection stays usable.
 *
 * <pre>{@code
 * catch (ProtocolException e) {
 *     ctx.writeAndFlush(e.toErrorReply());   // ("error", id or None, {"type": "ProtocolError", ...})
 * }
 * }</pre>
 */
public final class ProtocolException extends WireException {
    private static final long serialVersionUID = 1L;

    private final Long requestId;
    private final String kind;

    public ProtocolException(String message) {
        this(message, null, null, null);
    }

    /**
     * @param kind      the message kind when it could be read ({@code "call"}...), else null
     * @param requestId the request id when it could be read, else null
     */
    public ProtocolException(String message, String kind, Long requestId, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.requestId = requestId;
    }

    /** The id of the request this message carried, when it could be read. */
    public OptionalLong requestId() {
        return requestId == null ? OptionalLong.empty() : OptionalLong.of(requestId);
    }

    /** The message kind ({@code "call"}, {@code "map"}...) when it could be read, else null. */
    public String kind() {
        return kind;
    }

    /**
     * The reply this failure calls for: {@code ("error", id, info)} when the id was read, else
     * {@code ("error", None, info)}, with info of type {@code "ProtocolError"} and this message.
     */
    public ErrorReply toErrorReply() {
        return new ErrorReply(requestId, ErrorInfo.protocolError(getMessage()));
    }

    @Override
    public boolean closesConnection() {
        return false;
    }
}
