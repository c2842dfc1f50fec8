package io.picklebridge.server.dispatch;

import io.netty.buffer.ByteBuf;
import io.picklebridge.pickle.PyTuple;
import io.picklebridge.server.registry.Worker;
import io.picklebridge.server.registry.WorkerDefinition;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.BaseStream;

/**
 * One call or map chunk in flight. Whoever first <em>claims</em> it (the worker finishing, a
 * cancel, the timeout) sends its one terminal reply; a later claimer does nothing. Abort
 * interrupts the worker thread.
 *
 * <pre>{@code
 * RunningCall call = new RunningCall(request, calls);
 * call.start();                                   // on the worker pool
 * call.abort("CancelledError", "cancelled");      // reply + interrupt, unless already done
 * }</pre>
 */
final class RunningCall implements Runnable {
    /** How long a streaming worker waits between checks of a channel that is not writable. */
    private static final long WRITABLE_POLL_MILLIS = 2;
    /** Items of one streamed call that may wait in the connection's reply queue. */
    static final int STREAM_WINDOW = 64;

    private final CallRequest request;
    private final ConnectionCalls calls;
    private final WorkerDefinition inlineDefinition; // null unless it runs on the event loop
    private long deadlineNanos; // inline calls with a timeout: checked when the worker returns
    private final AtomicBoolean claimed = new AtomicBoolean();
    private volatile Future<?> future;
    private volatile ScheduledFuture<?> timeout;
    private volatile boolean failed;
    private volatile StreamWindow window; // set by a streamed call before its first item

    RunningCall(CallRequest request, ConnectionCalls calls) {
        this(request, calls, null);
    }

    /** @param inlineDefinition the worker, when it runs on the event loop ({@link #runInline()}); else null */
    RunningCall(CallRequest request, ConnectionCalls calls, WorkerDefinition inlineDefinition) {
        this.request = request;
        this.calls = calls;
        this.inlineDefinition = inlineDefinition;
    }

    CallRequest request() { return request; }

    /** True when it runs on the event loop that read it, its reply written at once. */
    boolean isInline() { return inlineDefinition != null; }

    boolean failed() { return failed; }

    void start() {
        Dispatcher dispatcher = calls.dispatcher();
        future = dispatcher.execute(this);
        double seconds = dispatcher.timeoutFor(request.timeoutSeconds());
        if (seconds > 0) {
            timeout = dispatcher.schedule(() -> abort("TimeoutError",
                    request.worker() + " timed out after " + seconds + " s"), seconds);
        }
    }

    /**
     * Runs an inline worker right here, on the event loop: nothing can cancel or interrupt it
     * meanwhile (a cancel is read after it returns), and a timeout is judged when it returns:
     * a call that overran it gets its {@code TimeoutError} instead of the result.
     */
    void runInline() {
        double seconds = calls.dispatcher().timeoutFor(request.timeoutSeconds());
        if (seconds > 0) deadlineNanos = System.nanoTime() + Math.max(1, (long) (seconds * 1e9));
        run();
    }

    @Override
    public void run() {
        if (claimed.get()) return;
        WorkerDefinition definition = inlineDefinition;
        if (definition == null) {
            try {
                definition = calls.dispatcher().registry().find(request.worker());
            } catch (RuntimeException e) {
                fail(e, -1);
                return;
            }
        }
        if (request.kind() == CallRequest.Kind.MAP) {
            runMap(definition);
            return;
        }
        Object result;
        try {
            result = definition.worker().call(request.args(), kwargs());
        } catch (Throwable e) {
            fail(e, -1);
            return;
        }
        if (request.stream() && isStreamable(result)) {
            stream(result);
        } else {
            succeed(result);
        }
    }

    private void runMap(WorkerDefinition definition) {
        List<Object> items = request.items();
        List<Object> results = new ArrayList<>(items.size());
        Worker worker = definition.worker(); // resolved once per chunk
        boolean star = request.star();
        for (int i = 0; i < items.size(); i++) {
            if (claimed.get()) return;
            Object item = items.get(i);
            try {
                if (!star) {
                    results.add(worker.callWithOne(item));
                    continue;
                }
                if (!(item instanceof List<?>)) {
                    throw new io.picklebridge.server.BridgeCallException("TypeError", request.worker()
                            + "(): starmap item " + i + " must be a tuple or list of arguments");
                }
                @SuppressWarnings("unchecked")
                List<Object> args = (List<Object>) item;
                results.add(worker.call(args, Map.of()));
            } catch (Throwable e) {
                fail(e, i);
                return;
            }
        }
        succeed(results);
    }

    private void stream(Object result) {
        Iterator<?> items = result instanceof Iterator<?> it ? it
                : result instanceof BaseStream<?, ?> s ? s.iterator() : ((Iterable<?>) result).iterator();
        long count = 0;
        StreamWindow window = new StreamWindow(STREAM_WINDOW);
        this.window = window;
        try {
            while (items.hasNext()) {
                Object item = items.next();
                if (claimed.get()) return;
                awaitWritable();
                window.enter();
                if (claimed.get()) {
                    window.left();
                    return;
                }
                calls.replyItem(calls.encode(PyTuple.of("item", request.id(), item),
                        request.protocol()), window);
                count++;
            }
        } catch (Throwable e) {
            fail(e, -1);
            return;
        } finally {
            if (result instanceof AutoCloseable closeable) {
                try {
                    closeable.close();
                } catch (Exception ignored) {
                    // closing a finished stream: nothing useful to report
                }
            }
        }
        succeed(count);
    }

    private void awaitWritable() throws InterruptedException {
        while (!calls.channel().isWritable() && calls.channel().isActive()) {
            Thread.sleep(WRITABLE_POLL_MILLIS);
        }
    }

    private static boolean isStreamable(Object result) {
        return result instanceof Iterator<?> || result instanceof BaseStream<?, ?>
                || (result instanceof Iterable<?> && !(result instanceof Collection<?>));
    }

    private Map<String, Object> kwargs() {
        return request.kwargs() == null ? Map.of() : request.kwargs();
    }

    private boolean overran() {
        if (deadlineNanos == 0 || System.nanoTime() - deadlineNanos < 0) return false;
        abort("TimeoutError", request.worker() + " timed out after "
                + calls.dispatcher().timeoutFor(request.timeoutSeconds()) + " s");
        return true;
    }

    private void succeed(Object value) {
        if (overran() || !claim()) return;
        ByteBuf reply;
        try {
            reply = calls.encode(PyTuple.of("result", request.id(), value), request.protocol());
        } catch (RuntimeException e) {
            failed = true;
            reply = encodeError(ExceptionMapping.errorInfo("TypeError", "the result of " + request.worker()
                    + " cannot be pickled: " + e.getMessage(), request.worker()));
        }
        calls.finish(this, reply);
    }

    private void fail(Throwable error, int index) {
        if (overran() || !claim()) return;
        failed = true;
        Map<String, Object> info = ExceptionMapping.errorInfo(error, request.worker());
        if (index >= 0) info.put("index", (long) index);
        calls.finish(this, encodeError(info));
    }

    /** Replies with the given error and interrupts the worker, unless the call already finished. */
    void abort(String pythonType, String message) {
        if (!claim()) return;
        failed = true;
        StreamWindow w = window;
        if (w != null) w.drop();
        Future<?> f = future;
        if (f != null) f.cancel(true);
        calls.finish(this, encodeError(ExceptionMapping.errorInfo(pythonType, message, request.worker())));
    }

    /** The connection is gone: interrupt without replying. */
    void abandon() {
        if (!claim()) return;
        StreamWindow w = window;
        if (w != null) w.drop();
        Future<?> f = future;
        if (f != null) f.cancel(true);
        calls.finish(this, null);
    }

    private ByteBuf encodeError(Map<String, Object> info) {
        try {
            return calls.encode(PyTuple.of("error", request.id(), info), request.protocol());
        } catch (RuntimeException e) {
            // the message or traceback itself would not pickle (e.g. odd characters): send the bare facts
            return calls.encode(PyTuple.of("error", request.id(), ExceptionMapping.errorInfo(
                    String.valueOf(info.get("type")), "error info could not be pickled: " + e, request.worker())),
                    request.protocol());
        }
    }

    private boolean claim() {
        if (!claimed.compareAndSet(false, true)) return false;
        ScheduledFuture<?> t = timeout;
        if (t != null) t.cancel(false);
        return true;
    }
}
