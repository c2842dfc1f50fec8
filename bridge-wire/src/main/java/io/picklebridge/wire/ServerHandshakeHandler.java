package io.picklebridge.wire;

import java.time.Duration;

/**
 * The accepting side of the authkey handshake, exactly as {@code Listener.accept()} in
 * {@code multiprocessing.connection}: deliver a challenge, then answer the client's.
 *
 * <pre>
 * server -> client   #CHALLENGE#{sha256}&lt;40 random bytes&gt;
 * client -> server   {sha256}&lt;HMAC-SHA256, 32 bytes&gt;    (3.6-3.11: raw 16-byte HMAC-MD5)
 * server -> client   #WELCOME#                           (or #FAILURE#, then close)
 * client -> server   #CHALLENGE#{sha256}&lt;40 random bytes&gt;  (3.6-3.11: 20 random bytes)
 * server -> client   {sha256}&lt;HMAC-SHA256&gt;                (to a 20-byte challenge: raw HMAC-MD5)
 * client -> server   #WELCOME#
 * </pre>
 *
 * <p>Place it right after the frame codec; one instance per channel. See
 * {@link AuthkeyHandshakeHandler} for what happens on success and failure.
 *
 * <pre>{@code
 * ch.pipeline().addLast(new FrameDecoder(), FrameEncoder.INSTANCE,
 *                       new ServerHandshakeHandler(authkey), new MessageCodec(codec), app);
 * }</pre>
 */
public final class ServerHandshakeHandler extends AuthkeyHandshakeHandler {
    /** With the default timeout of 10 seconds. */
    public ServerHandshakeHandler(byte[] authkey) {
        this(authkey, DEFAULT_TIMEOUT);
    }

    /** @param timeout time allowed for the whole handshake, from channel activation */
    public ServerHandshakeHandler(byte[] authkey, Duration timeout) {
        super(authkey, timeout, true);
    }
}
