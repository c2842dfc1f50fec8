package io.picklebridge.server.dispatch;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.picklebridge.pickle.PyTuple;
import io.picklebridge.server.registry.WorkerDefinition;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The calls of one connection: those in flight by id, the in-flight count that drives
 * backpressure (stop reading at the limit, resume at half), cancel, and the interruption of
 * everything still running when the connection closes.
 *
 * <pre>{@code
 * ConnectionCalls calls = new ConnectionCalls(dispatcher, ctx);
 * calls.submit(request);   // event loop; the reply comes back through the ReplyWriter
 * calls.cancel(7L);
 * }</pre>
 */
final class ConnectionCalls {
    private final Dispatcher dispatcher;
    private final ChannelHandlerContext ctx;
    private final Channel channel;
    private final ReplyWriter writer;
    private final Map<Object, RunningCall> running = new ConcurrentHashMap<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final int resumeBelow;
    private final Runnable updateAutoRead = this::updateAutoRead;
    private volatile boolean closed;
    private boolean byeReceived; // event loop only
    private boolean readingPaused; // event loop only: a large frame is being unpickled aside

    ConnectionCalls(Dispatcher dispatcher, ChannelHandlerContext ctx) {
        this.dispatcher = dispatcher;
        this.ctx = ctx;
        this.channel = ctx.channel();
        this.writer = new ReplyWriter(ctx);
        this.resumeBelow = Math.max(1, dispatcher.maxInFlight() / 2);
    }

    Dispatcher dispatcher() { return dispatcher; }

    /** Set by the hello exchange when both sides listed "oob" at protocol 5 (event loop; read by workers). */
    private volatile boolean outOfBand;

    void outOfBand(boolean on) { outOfBand = on; }

    /**
     * Pickles a reply: with its large buffers (numpy data...) out of band once negotiated
     * (an {@link io.picklebridge.wire.OutOfBandMessage}), else as one frame.
     */
    ByteBuf encode(PyTuple message, int protocol) {
        if (outOfBand && protocol == 5) {
            return io.picklebridge.wire.OutOfBandMessage.pickle(dispatcher.codec(), message,
                    io.picklebridge.wire.OutOfBand.DEFAULT_MIN_BUFFER_BYTES);
        }
        return dispatcher.encode(message, protocol);
    }

    Channel channel() { return channel; }

    int inFlight() { return inFlight.get(); }

    /** Starts a call or map chunk. Event loop only. */
    void submit(CallRequest request) {
        dispatcher.stats().requests.incrementAndGet();
        WorkerDefinition inline = null;
        if (request.kind() == CallRequest.Kind.CALL && !request.stream()) {
            WorkerDefinition definition = dispatcher.registry().lookup(request.worker());
            if (definition != null && definition.inline()) inline = definition;
        }
        RunningCall call = new RunningCall(request, this, inline);
        if (running.putIfAbsent(request.id(), call) != null) {
            dispatcher.stats().errors.incrementAndGet();
            reply(dispatcher.encode(PyTuple.of("error", request.id(), ExceptionMapping.errorInfo("ProtocolError",
                    "request id " + request.id() + " is already in flight on this connection", request.worker())),
                    request.protocol()));
            return;
        }
        int n = inFlight.incrementAndGet();
        dispatcher.stats().observeInFlight(n);
        if (n >= dispatcher.maxInFlight()) updateAutoRead();
        if (inline != null) {
            call.runInline(); // replies through finish() before returning
            return;
        }
        try {
            call.start();
        } catch (RejectedExecutionException e) {
            call.abort("RuntimeError", "server overloaded or shutting down: call not accepted");
        }
    }

    /** Cancels a call in flight (queued or running); unknown ids are ignored. */
    void cancel(Object id) {
        RunningCall call = running.get(id);
        if (call != null) call.abort("CancelledError", "cancelled by the client");
    }

    /** Queues a reply frame for writing. */
    void reply(ByteBuf payload) {
        writer.enqueue(payload);
    }

    /** Queues one item of a streamed call; the window bounds how many wait, and drops them on cancel. */
    void replyItem(ByteBuf payload, StreamWindow window) {
        writer.enqueueItem(payload, window);
    }

    /** Sends the terminal reply of a call and forgets it. Called once per call, by its claimer. */
    void finish(RunningCall call, ByteBuf terminalReply) {
        running.remove(call.request().id(), call);
        boolean inline = call.isInline(); // then this is the event loop, inside submit()
        if (terminalReply != null) {
            if (inline) writer.writeNow(terminalReply);
            else writer.enqueue(terminalReply);
        }
        if (call.failed()) dispatcher.stats().errors.incrementAndGet();
        int n = inFlight.decrementAndGet();
        if (n == resumeBelow - 1 || n == 0) {
            if (inline) updateAutoRead();
            else channel.eventLoop().execute(updateAutoRead);
        }
    }

    /** Flushes the replies written by inline calls since the last flush. Event loop only. */
    void flushReplies() {
        writer.flushWritten();
    }

    /** The client said {@code bye}: stop reading, close once every reply is out. Event loop only. */
    void bye() {
        byeReceived = true;
        channel.config().setAutoRead(false);
        closeIfDone();
    }

    /** Stops reading and closes once the replies queued so far are written (bad framing). */
    void closeAfterReplies() {
        channel.config().setAutoRead(false);
        writer.afterQueuedWrites(channel::close);
    }

    /** The connection closed: interrupt what still runs; nobody is left to reply to. */
    void closed() {
        closed = true;
        for (RunningCall call : running.values()) call.abandon();
        running.clear();
        writer.discard();
    }

    boolean isClosed() { return closed; }

    /** Pauses reading while a large frame is unpickled on a worker thread. Event loop only. */
    void pauseReading(boolean pause) {
        readingPaused = pause;
        if (pause) {
            channel.config().setAutoRead(false);
        } else {
            updateAutoRead();
        }
    }

    /** Resumes or pauses reading from the in-flight count and the channel's writability. Event loop only. */
    void updateAutoRead() {
        if (closed) return;
        if (byeReceived) {
            closeIfDone();
            return;
        }
        boolean autoRead = channel.config().isAutoRead();
        int n = inFlight.get();
        if (readingPaused) return;
        if (autoRead && (n >= dispatcher.maxInFlight() || !channel.isWritable())) {
            channel.config().setAutoRead(false);
            dispatcher.stats().backpressurePauses.incrementAndGet();
        } else if (!autoRead && n < resumeBelow && channel.isWritable()) {
            channel.config().setAutoRead(true);
        }
    }

    private void closeIfDone() {
        if (inFlight.get() == 0) {
            writer.afterQueuedWrites(channel::close);
        }
    }
}
