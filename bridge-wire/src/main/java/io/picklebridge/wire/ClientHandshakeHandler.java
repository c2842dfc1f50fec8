package io.picklebridge.wire;

import java.time.Duration;

/**
 * The connecting side of the authkey handshake, exactly as {@code Client()} in
 * {@code multiprocessing.connection}: answer the server's challenge, then deliver one.
 *
 * <pre>
 * server -> client   #CHALLENGE#{sha256}&lt;40 random bytes&gt;   (3.6-3.11 servers: 20 random bytes)
 * client -> server   {sha256}&lt;HMAC-SHA256&gt;                 (to a 20-byte challenge: raw HMAC-MD5)
 * server -> client   #WELCOME#
 * client -> server   #CHALLENGE#{sha256}&lt;40 random bytes&gt;
 * server -> client   {sha256}&lt;HMAC-SHA256&gt;                 (a 3.6-3.11 server: raw 16-byte HMAC-MD5)
 * client -> server   #WELCOME#                             (or #FAILURE#, then close)
 * </pre>
 *
 * <p>Messages written before the handshake completes are held back and sent right after it;
 * they fail with {@link AuthenticationException} if it fails. One instance per channel.
 *
 * <pre>{@code
 * ch.pipeline().addLast(new FrameDecoder(), FrameEncoder.INSTANCE,
 *                       new ClientHandshakeHandler(authkey), new MessageCodec(codec), app);
 * }</pre>
 */
public final class ClientHandshakeHandler extends AuthkeyHandshakeHandler {
    /** With the default timeout of 10 seconds. */
    public ClientHandshakeHandler(byte[] authkey) {
        this(authkey, DEFAULT_TIMEOUT);
    }

    /** @param timeout time allowed for the whole handshake, from channel activation */
    public ClientHandshakeHandler(byte[] authkey, Duration timeout) {
        super(authkey, timeout, false);
    }
}
