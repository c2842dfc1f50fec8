package io.picklebridge.client;

import io.picklebridge.wire.ErrorInfo;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One request in flight: its id, what to tell the caller, and how. Taken out of
 * {@link PendingRequests} exactly once (by its reply, its timeout, its cancellation or the
 * connection's end), so its future is completed exactly once by this client.
 *
 * <pre>{@code
 * PendingCall<Integer> p = new PendingCall<>(7, "math.add", 0, null, v -> ResultConverter.convert(v, Integer.class, "math.add"));
 * }</pre>
 *
 * @param <T> the type the caller asked for
 */
final class PendingCall<T> {
    /** The error {@code type} of the peer's own per-call timeout. */
    static final String TIMEOUT_ERROR = "TimeoutError";

    final long id;
    final String worker;
    final int indexOffset;
    final Duration timeout;
    final CallFuture<T> future = new CallFuture<>();
    private final Function<Object, T> converter;
    private final Consumer<Object> itemSink;
    private volatile ScheduledFuture<?> timer;
    /** The last item handed to the sink; the terminal reply is delivered after it (event loop only). */
    private CompletableFuture<Void> delivered = CompletableFuture.completedFuture(null);

    /**
     * @param indexOffset a map chunk's position in the whole item list, added to an error's index
     * @param timeout     null for none
     */
    PendingCall(long id, String worker, int indexOffset, Duration timeout, Function<Object, T> converter) {
        this(id, worker, indexOffset, timeout, converter, null);
    }

    /** @param itemSink receives the items of a streamed call, in order; null for an ordinary call */
    PendingCall(long id, String worker, int indexOffset, Duration timeout, Function<Object, T> converter,
                Consumer<Object> itemSink) {
        this.id = id;
        this.worker = worker;
        this.indexOffset = indexOffset;
        this.timeout = timeout;
        this.converter = converter;
        this.itemSink = itemSink;
    }

    boolean isStreamed() {
        return itemSink != null;
    }

    /**
     * Hands one streamed item to the sink on {@code executor}, after the previous items. A sink
     * that throws fails the call with its exception and cancels the remote call. Event loop only.
     */
    void item(Object value, Executor executor) {
        delivered = delivered.handleAsync((ignored, error) -> {
            if (!future.isDone()) {
                try {
                    itemSink.accept(value);
                } catch (RuntimeException | Error e) {
                    future.completeExceptionally(e);
                    future.cancelRemote();
                }
            }
            return null;
        }, executor);
    }

    /** Runs the terminal completion on {@code executor} once every item has been delivered. Event loop only. */
    void afterItems(Executor executor, Runnable completion) {
        delivered.handleAsync((ignored, error) -> {
            completion.run();
            return null;
        }, executor);
    }

    void timer(ScheduledFuture<?> timer) {
        this.timer = timer;
    }

    /** Stops the local timeout; the call is over. */
    void stopTimer() {
        ScheduledFuture<?> t = timer;
        if (t != null) t.cancel(false);
    }

    /** Completes with the converted result (or the conversion's failure). */
    void succeed(Object value) {
        try {
            future.complete(converter.apply(value));
        } catch (ResultTypeException e) {
            future.completeExceptionally(e);
        } catch (RuntimeException e) {
            future.completeExceptionally(new ResultTypeException("result of " + worker + " could not be converted: " + e));
        }
    }

    /** Completes with the exception an error reply stands for. */
    void fail(ErrorInfo info) {
        RemoteException remote = RemoteException.from(info, worker, indexOffset);
        if (timeout != null && TIMEOUT_ERROR.equals(info.type())) {
            future.completeExceptionally(new CallTimeoutException(worker, timeout, remote));
        } else {
            future.completeExceptionally(remote);
        }
    }

    void fail(Throwable error) {
        future.completeExceptionally(error);
    }
}
