package io.picklebridge.wire;

import io.netty.handler.codec.DecoderException;

/**
 * The one exception family of the wire layer: framing, authentication and message shape.
 * It extends Netty's {@link DecoderException} so that Netty decoders pass it down the pipeline
 * as it is (not wrapped) through {@code exceptionCaught}.
 *
 * <p>{@link #closesConnection()} says what a peer should do with the connection: after a
 * framing or authentication failure the byte stream cannot be trusted and the connection must
 * be closed; after a {@link ProtocolException} (a well-framed but unusable message) it stays
 * open.
 *
 * <pre>{@code
 * public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
 *     if (cause instanceof WireException e && !e.closesConnection()) { replyWithError(ctx, e); }
 *     else { ctx.close(); }
 * }
 * }</pre>
 */
public abstract class WireException extends DecoderException {
    private static final long serialVersionUID = 1L;

    protected WireException(String message) {
        super(message);
    }

    protected WireException(String message, Throwable cause) {
        super(message, cause);
    }

    /** True when the connection can no longer be used and must be closed. */
    public abstract boolean closesConnection();
}
