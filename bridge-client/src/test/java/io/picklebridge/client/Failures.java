package io.picklebridge.client;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.fail;

/** Waits for a future that must fail and returns its cause, typed. */
final class Failures {
    /** Upper bound on any wait in these tests: a hang fails the test instead of the build. */
    static final long WAIT_SECONDS = 30;

    private Failures() {}

    static <E extends Throwable> E failure(CompletableFuture<?> future, Class<E> type) {
        try {
            Object value = future.get(WAIT_SECONDS, TimeUnit.SECONDS);
            return fail("expected " + type.getSimpleName() + ", got the result " + value);
        } catch (ExecutionException e) {
            return assertInstanceOf(type, e.getCause(), () -> "cause: " + e.getCause());
        } catch (TimeoutException e) {
            return fail("no outcome within " + WAIT_SECONDS + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail("interrupted");
        }
    }

    static <T> T result(CompletableFuture<T> future) {
        try {
            return future.get(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return fail("call failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            return fail("no result within " + WAIT_SECONDS + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail("interrupted");
        }
    }
}
