package io.picklebridge.client;

/**
 * The one exception family of the client: every failure a {@link BridgeClient} call can
 * complete with, apart from the codec's {@code PickleException} for an argument that cannot be
 * pickled and {@link java.util.concurrent.CancellationException} for a call the caller cancelled.
 *
 * <pre>
 * BridgeException
 *   +-- RemoteException            the peer ran the call and it failed (Python or Java exception)
 *   +-- CallTimeoutException       the call's timeout elapsed (detected here or by the peer)
 *   +-- ResultTypeException        the result does not convert to the requested Java type
 *   +-- ConnectionFailedException  connecting, authenticating or the hello failed
 *   +-- ConnectionClosedException  the connection ended with the call still pending
 *         +-- PeerDiedException    ... because the spawned peer process exited
 * </pre>
 *
 * <pre>{@code
 * try { client.call("sys.fail", "java.lang.IllegalStateException", "no").join(); }
 * catch (CompletionException e) { if (e.getCause() instanceof BridgeException b) log.warn("bridge: {}", b.getMessage()); }
 * }</pre>
 */
public class BridgeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public BridgeException(String message) {
        super(message);
    }

    public BridgeException(String message, Throwable cause) {
        super(message, cause);
    }
}
