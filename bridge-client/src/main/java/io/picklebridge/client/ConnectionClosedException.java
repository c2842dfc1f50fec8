package io.picklebridge.client;

/**
 * The connection ended while the call was pending, or the call was made on a closed client:
 * the peer closed it, the network failed, or {@link BridgeClient#close()} was called. Every
 * pending call of that connection completes with it at once.
 *
 * <pre>{@code
 * client.call("sys.sleep", 60.0).exceptionally(e -> {
 *     if (e.getCause() instanceof ConnectionClosedException c) log.warn("lost {}: {}", c.peer(), c.getMessage());
 *     return null;
 * });
 * }</pre>
 */
public class ConnectionClosedException extends BridgeException {
    private static final long serialVersionUID = 1L;

    private final String peer;

    public ConnectionClosedException(String peer, String message, Throwable cause) {
        super(message, cause);
        this.peer = peer;
    }

    /** The peer's description: {@code tcp://127.0.0.1:7341}, {@code unix:///path}, {@code pid 1234: python3 ...}. */
    public String peer() {
        return peer;
    }
}
