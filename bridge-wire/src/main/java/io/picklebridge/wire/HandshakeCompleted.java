package io.picklebridge.wire;

/**
 * User event fired by {@link ServerHandshakeHandler} and {@link ClientHandshakeHandler} when
 * both sides have proved they hold the authkey; the handler has removed itself and any message
 * written before has been sent.
 *
 * <pre>{@code
 * public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
 *     if (evt instanceof HandshakeCompleted done) { log.debug("authenticated ({})", done.peerDigest()); }
 *     ctx.fireUserEventTriggered(evt);
 * }
 * }</pre>
 *
 * @param peerDigest the HMAC digest the peer answered our challenge with: {@code "sha256"}
 *                   (CPython 3.12+ and Java peers) or {@code "md5"} (legacy raw HMAC-MD5, CPython 3.6-3.11)
 */
public record HandshakeCompleted(String peerDigest) {
}
