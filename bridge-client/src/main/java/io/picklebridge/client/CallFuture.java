package io.picklebridge.client;

import java.util.concurrent.CompletableFuture;

/**
 * The future a call returns: cancelling it ({@code cancel(true)} or {@code cancel(false)})
 * also cancels the remote call, sending {@code ("cancel", id)}. Stages derived from it
 * ({@code thenApply}...) are plain {@link CompletableFuture}s: cancelling one of those does
 * not reach the peer.
 *
 * <pre>{@code
 * CompletableFuture<Object> f = client.call("sys.sleep", 60.0);
 * f.cancel(true);   // the server interrupts the sleeping thread
 * }</pre>
 */
final class CallFuture<T> extends CompletableFuture<T> {
    private volatile Runnable onCancel;

    /** Runs {@code action} when this future is cancelled (at most once). */
    void onCancel(Runnable action) {
        this.onCancel = action;
    }

    /** Runs the cancel action without cancelling this future (it was failed some other way). */
    void cancelRemote() {
        Runnable action = onCancel;
        if (action != null) action.run();
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        boolean cancelled = super.cancel(mayInterruptIfRunning);
        Runnable action = onCancel;
        if (cancelled && action != null) action.run();
        return cancelled;
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        return new CompletableFuture<>();
    }
}
