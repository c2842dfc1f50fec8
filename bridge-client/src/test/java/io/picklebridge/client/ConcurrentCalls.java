package io.picklebridge.client;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

import static io.picklebridge.client.Failures.WAIT_SECONDS;
import static io.picklebridge.client.Failures.result;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Many threads, each putting all its calls in flight before reading any reply, then checking
 * that every reply is its own call's (no misrouting between ids or threads).
 */
final class ConcurrentCalls {
    private ConcurrentCalls() {}

    /**
     * @param send     the call number {@code i} of thread {@code t}
     * @param expected what that call must return
     * @return the number of replies checked
     */
    static int run(int threads, int callsPerThread, BiFunction<Integer, Integer, CompletableFuture<?>> send,
                   BiFunction<Integer, Integer, Object> expected) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Integer>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    List<CompletableFuture<?>> inFlight = new ArrayList<>();
                    for (int i = 0; i < callsPerThread; i++) inFlight.add(send.apply(thread, i));
                    for (int i = 0; i < callsPerThread; i++) assertEquals(expected.apply(thread, i), result(inFlight.get(i)));
                    return inFlight.size();
                }));
            }
            int total = 0;
            for (Future<Integer> f : done) total += f.get(WAIT_SECONDS, TimeUnit.SECONDS);
            return total;
        } finally {
            pool.shutdownNow();
        }
    }
}
