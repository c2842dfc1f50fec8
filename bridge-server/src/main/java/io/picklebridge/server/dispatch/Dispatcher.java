package io.picklebridge.server.dispatch;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.picklebridge.pickle.PickleCodec;
import io.picklebridge.pickle.PyTuple;
import io.picklebridge.server.registry.WorkerRegistry;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Runs worker calls for every connection of a server on one bounded pool of worker threads
 * (all but inline workers, which the {@link RequestHandler} runs on its event loop), and times
 * out calls that ask for it. Each connection talks to it
 * through its {@link RequestHandler}.
 *
 * <pre>{@code
 * Dispatcher dispatcher = new Dispatcher(registry, PickleCodec.defaults(), 4, 1024, 0, info);
 * pipeline.addLast(new RequestHandler(dispatcher));
 * dispatcher.shutdown(Duration.ofSeconds(5));
 * }</pre>
 */
public final class Dispatcher {
    /** Work queued beyond the running threads; connections' in-flight limits bound it first. */
    private static final int QUEUE_CAPACITY = 1 << 20;

    private final WorkerRegistry registry;
    private final PickleCodec codec;
    private final int threads;
    private final int maxInFlight;
    private final double defaultTimeoutSeconds;
    private final Supplier<Map<String, Object>> helloInfo;
    private final ExecutorService pool;
    private final ScheduledThreadPoolExecutor timer;
    private final DispatcherStats stats = new DispatcherStats();
    private final AtomicInteger busy = new AtomicInteger(); // tasks running on the pool right now

    /**
     * @param threads               worker threads
     * @param maxInFlight           requests one connection may have in flight before it stops being read
     * @param defaultTimeoutSeconds per-call timeout when a call gives none; 0 for none
     * @param helloInfo             the server description sent in reply to {@code hello}
     */
    public Dispatcher(WorkerRegistry registry, PickleCodec codec, int threads, int maxInFlight,
                      double defaultTimeoutSeconds, Supplier<Map<String, Object>> helloInfo) {
        this(registry, codec, threads, new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(QUEUE_CAPACITY), daemonThreads("pb-worker-")),
                maxInFlight, defaultTimeoutSeconds, helloInfo);
    }

    /** With a given executor (tests run calls on their own schedule). */
    Dispatcher(WorkerRegistry registry, PickleCodec codec, int threads, ExecutorService pool, int maxInFlight,
               double defaultTimeoutSeconds, Supplier<Map<String, Object>> helloInfo) {
        if (threads < 1) throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        if (maxInFlight < 1) throw new IllegalArgumentException("maxInFlight must be at least 1, got " + maxInFlight);
        this.registry = registry;
        this.codec = codec;
        this.threads = threads;
        this.maxInFlight = maxInFlight;
        this.defaultTimeoutSeconds = defaultTimeoutSeconds;
        this.helloInfo = helloInfo;
        this.pool = pool;
        this.timer = new ScheduledThreadPoolExecutor(1, daemonThreads("pb-timer-"));
        this.timer.setRemoveOnCancelPolicy(true);
    }

    public WorkerRegistry registry() { return registry; }

    public PickleCodec codec() { return codec; }

    public int threads() { return threads; }

    public int maxInFlight() { return maxInFlight; }

    public DispatcherStats stats() { return stats; }

    Map<String, Object> helloInfo() { return helloInfo.get(); }

    /** Tasks running on the pool right now. */
    int busy() { return busy.get(); }

    double timeoutFor(double requested) {
        return requested > 0 ? requested : defaultTimeoutSeconds;
    }

    Future<?> execute(Runnable call) {
        return pool.submit(() -> {
            busy.incrementAndGet();
            try {
                call.run();
            } finally {
                busy.decrementAndGet();
            }
        });
    }

    ScheduledFuture<?> schedule(Runnable action, double seconds) {
        return timer.schedule(action, Math.max(1, (long) (seconds * 1e9)), TimeUnit.NANOSECONDS);
    }

    /** Pickles one outgoing message ({@code ("result", id, value)}...) into a frame payload. */
    ByteBuf encode(PyTuple message, int protocol) {
        return Unpooled.wrappedBuffer(codec.dumps(message, protocol));
    }

    /**
     * Stops taking work, lets running calls finish for up to {@code grace}, then interrupts
     * what is left.
     *
     * @return true when no call had to be interrupted or dropped (idle threads still winding
     *         down at the end of the grace period do not count)
     */
    public boolean shutdown(Duration grace) throws InterruptedException {
        pool.shutdown();
        timer.shutdown();
        boolean finished = pool.awaitTermination(grace.toNanos(), TimeUnit.NANOSECONDS);
        if (!finished) {
            boolean running = busy.get() > 0;
            // interrupts running calls; queued ones are dropped (their connections close with the server)
            boolean dropped = !pool.shutdownNow().isEmpty();
            finished = !running && !dropped;
            pool.awaitTermination(1, TimeUnit.SECONDS);
        }
        timer.shutdownNow();
        return finished;
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread t = new Thread(runnable, prefix + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
