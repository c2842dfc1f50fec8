package io.picklebridge.client;

import java.time.Duration;

/**
 * A call's timeout elapsed. The client enforces the timeout itself (the call fails on time even
 * when the peer is stuck, and {@code ("cancel", id)} is sent) and also sends it to the peer as
 * the {@code "timeout"} option; when the peer's {@code TimeoutError} reply arrives first it
 * becomes this exception too, with the {@link RemoteException} as its cause.
 *
 * <pre>{@code
 * client.request("sys.sleep").args(5.0).timeout(Duration.ofMillis(200)).send()
 *       .exceptionally(e -> { assert e.getCause() instanceof CallTimeoutException; return null; });
 * }</pre>
 */
public final class CallTimeoutException extends BridgeException {
    private static final long serialVersionUID = 1L;

    private final transient Duration timeout;

    public CallTimeoutException(String worker, Duration timeout, RemoteException reportedByPeer) {
        super("call of " + worker + " timed out after " + timeout.toMillis() + " ms"
                + (reportedByPeer == null ? "" : " (reported by the peer: " + reportedByPeer.getMessage() + ")"),
                reportedByPeer);
        this.timeout = timeout;
    }

    /** The timeout that elapsed. */
    public Duration timeout() {
        return timeout;
    }
}
