package io.picklebridge.client;

/**
 * {@link BridgeClient.Builder#build()} could not set up the connection: nothing listening, the
 * authkey was refused, the child process did not start, or the peer did not answer the
 * {@code hello} in time. The cause carries the detail (an {@code IOException}, the wire's
 * {@code AuthenticationException}...).
 *
 * <pre>{@code
 * try { BridgeClient.builder().tcp("127.0.0.1", port).authkey(wrongKey).build(); }
 * catch (ConnectionFailedException e) { log.error("cannot reach the bridge: {}", e.getMessage()); }
 * }</pre>
 */
public final class ConnectionFailedException extends BridgeException {
    private static final long serialVersionUID = 1L;

    public ConnectionFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
