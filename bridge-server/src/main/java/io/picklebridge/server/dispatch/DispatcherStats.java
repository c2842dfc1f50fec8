package io.picklebridge.server.dispatch;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Counters of one dispatcher, for {@code sys.info()}, logs and tests: how many requests came
 * and failed, how often a connection was paused for backpressure, and the most requests any
 * connection had in flight at once.
 *
 * <pre>{@code
 * server.stats().backpressurePauses();   // > 0 once a client outran the workers
 * }</pre>
 */
public final class DispatcherStats {
    final AtomicLong requests = new AtomicLong();
    final AtomicLong errors = new AtomicLong();
    final AtomicLong backpressurePauses = new AtomicLong();
    final AtomicLong maxInFlight = new AtomicLong();
    final AtomicLong connections = new AtomicLong();

    public long requests() { return requests.get(); }

    public long errors() { return errors.get(); }

    public long backpressurePauses() { return backpressurePauses.get(); }

    /** The most requests one connection had in flight at any moment. */
    public long maxInFlight() { return maxInFlight.get(); }

    /** Connections accepted so far. */
    public long connections() { return connections.get(); }

    void observeInFlight(long n) {
        long max;
        while (n > (max = maxInFlight.get()) && !maxInFlight.compareAndSet(max, n)) {
            // retry
        }
    }
}
