package io.picklebridge.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;

/**
 * The requests of one connection waiting for their reply, by id (calls) and by payload (pings).
 * Replies are matched on the event loop; the futures are completed on the client's completion
 * executor, so that callbacks attached without {@code ...Async} never run on (and never block)
 * the event loop.
 *
 * <p>Once the connection has ended ({@link #terminate}), every request still here, and every
 * one registered afterwards, fails with the connection's cause.
 *
 * <pre>{@code
 * pending.register(call);                      // from any thread
 * pending.take(reply.id())                     // on the event loop
 *        .ifPresent(p -> pending.complete(() -> p.succeed(reply.value())));
 * }</pre>
 */
final class PendingRequests {
    private final Map<Long, PendingCall<?>> calls = new ConcurrentHashMap<>();
    private final Map<Long, PendingPing> pings = new ConcurrentHashMap<>();
    private final Executor completions;
    private volatile CompletableFuture<? extends RuntimeException> termination;

    /** A ping waiting for its pong: the future and when it was sent. */
    record PendingPing(CompletableFuture<Duration> future, long sentNanos) {}

    PendingRequests(Executor completions) {
        this.completions = completions;
    }

    void register(PendingCall<?> call) {
        calls.put(call.id, call);
        CompletableFuture<? extends RuntimeException> ended = termination;
        if (ended != null) ended.thenAccept(cause -> failIfPending(call.id, cause));
    }

    void register(long payload, PendingPing ping) {
        pings.put(payload, ping);
        CompletableFuture<? extends RuntimeException> ended = termination;
        if (ended != null) {
            ended.thenAccept(cause -> {
                PendingPing p = pings.remove(payload);
                if (p != null) complete(() -> p.future().completeExceptionally(cause));
            });
        }
    }

    /** Removes and returns the call with this id, or null when it is no longer pending. */
    PendingCall<?> take(long id) {
        return calls.remove(id);
    }

    /** The call with this id, left pending (for the items of a streamed call), or null. */
    PendingCall<?> peek(long id) {
        return calls.get(id);
    }

    PendingPing takePing(long payload) {
        return pings.remove(payload);
    }

    int size() {
        return calls.size();
    }

    /** Runs a completion on the completion executor (inline once that executor refuses work). */
    void complete(Runnable completion) {
        try {
            completions.execute(completion);
        } catch (RejectedExecutionException e) {
            completion.run();
        }
    }

    private void failIfPending(long id, RuntimeException cause) {
        PendingCall<?> call = calls.remove(id);
        if (call != null) {
            call.stopTimer();
            complete(() -> call.fail(cause));
        }
    }

    /**
     * The connection has ended: fails everything pending, now or (for a cause still being
     * worked out, like a process's exit code) once {@code cause} completes. Only the first call counts.
     */
    synchronized void terminate(Supplier<CompletableFuture<? extends RuntimeException>> cause) {
        if (termination != null) return;
        CompletableFuture<? extends RuntimeException> ended = cause.get();
        termination = ended;
        ended.thenAccept(error -> {
            List<Long> ids = new ArrayList<>(calls.keySet());
            for (Long id : ids) failIfPending(id, error);
            List<Long> payloads = new ArrayList<>(pings.keySet());
            for (Long payload : payloads) {
                PendingPing p = pings.remove(payload);
                if (p != null) complete(() -> p.future().completeExceptionally(error));
            }
        });
    }

    /** The cause everything fails with, once known; null while the connection is up. */
    CompletableFuture<? extends RuntimeException> termination() {
        return termination;
    }
}
