package io.picklebridge.wire;

/**
 * The authkey handshake failed: wrong key, malformed or oversized handshake frame, a frame
 * that is not the expected step, or no answer within the handshake timeout. The message never
 * contains the key. The connection is closed by the handshake handler.
 *
 * <pre>{@code
 * channel.closeFuture() ...; // a ClientHandshakeHandler fires this through exceptionCaught first
 * }</pre>
 */
public final class AuthenticationException extends WireException {
    private static final long serialVersionUID = 1L;

    public AuthenticationException(String message) {
        super(message);
    }

    public AuthenticationException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public boolean closesConnection() {
        return true;
    }
}
