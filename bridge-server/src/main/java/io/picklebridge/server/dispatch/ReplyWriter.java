package io.picklebridge.server.dispatch;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A per-connection queue of encoded reply frames, filled from worker threads and drained on the
 * channel's event loop in batches with one flush per batch (the idea of gRPC's
 * {@code WriteQueue}): many replies finishing together cost one task switch and one syscall.
 *
 * <pre>{@code
 * ReplyWriter writer = new ReplyWriter(ctx);
 * writer.enqueue(encodedReply);   // any thread; written and flushed soon on the event loop
 * }</pre>
 */
final class ReplyWriter {
    private static final int MAX_BATCH = 256;

    private final ChannelHandlerContext ctx;
    private final Queue<Object> queue = new ConcurrentLinkedQueue<>(); // ByteBuf or StreamItem
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final Runnable drain = this::drain;
    private ChannelFuture lastWrite; // event loop only
    private boolean draining; // event loop only
    private boolean unflushed; // event loop only: writeNow() wrote since the last flush
    private final java.util.List<Runnable> afterDrain = new java.util.ArrayList<>(1); // event loop only

    ReplyWriter(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /**
     * An {@code item} frame of a streamed call: written unless its stream was cancelled
     * meanwhile, and in any case handed back to its window once it leaves this queue.
     */
    record StreamItem(ByteBuf payload, StreamWindow window) {}

    /** Queues one frame payload; takes ownership of the buffer. */
    void enqueue(ByteBuf payload) {
        add(payload);
    }

    /**
     * Writes one frame payload now, without flushing (the reply of an inline call; the request
     * handler flushes once per read batch, {@link #flushWritten()}). Event loop only.
     */
    void writeNow(ByteBuf payload) {
        if (!ctx.channel().isActive()) {
            payload.release();
            return;
        }
        lastWrite = ctx.write(payload);
        unflushed = true;
    }

    /** Flushes what {@link #writeNow} wrote. Event loop only. */
    void flushWritten() {
        if (unflushed) {
            unflushed = false;
            ctx.flush();
        }
    }

    /** Queues one item of a streamed call (the window's permit is already taken). */
    void enqueueItem(ByteBuf payload, StreamWindow window) {
        add(new StreamItem(payload, window));
    }

    private void add(Object entry) {
        queue.add(entry);
        if (scheduled.compareAndSet(false, true)) {
            try {
                ctx.executor().execute(drain);
            } catch (RejectedExecutionException shutDown) {
                scheduled.set(false);
                discard();
            }
        }
    }

    private void drain() {
        draining = true;
        try {
            drainQueue();
        } finally {
            draining = false;
        }
        if (!afterDrain.isEmpty()) {
            Runnable[] actions = afterDrain.toArray(new Runnable[0]);
            afterDrain.clear();
            for (Runnable action : actions) runAfterLastWrite(action);
        }
    }

    private void drainQueue() {
        boolean active = ctx.channel().isActive();
        int written = 0;
        Object entry;
        while ((entry = queue.poll()) != null) {
            ByteBuf next;
            if (entry instanceof StreamItem item) {
                item.window().left();
                next = item.payload();
                if (item.window().isDropped()) {
                    next.release();
                    continue;
                }
            } else {
                next = (ByteBuf) entry;
            }
            if (!active) {
                next.release();
                continue;
            }
            if (queue.isEmpty()) {
                lastWrite = ctx.write(next);
            } else {
                ctx.write(next, ctx.voidPromise());
            }
            if (++written == MAX_BATCH) {
                ctx.flush();
                written = 0;
            }
        }
        if (written > 0 || unflushed) {
            unflushed = false;
            ctx.flush();
        }
        scheduled.set(false);
        if (!queue.isEmpty() && scheduled.compareAndSet(false, true)) {
            ctx.executor().execute(drain);
        }
    }

    /**
     * Runs the action on the event loop once every reply queued so far has been written to the
     * socket (used to close after {@code bye}).
     */
    void afterQueuedWrites(Runnable action) {
        ctx.executor().execute(() -> {
            if (draining) { // a channel that runs tasks inside write() (EmbeddedChannel): wait for the drain
                afterDrain.add(action);
                return;
            }
            drain();
            runAfterLastWrite(action);
        });
    }

    private void runAfterLastWrite(Runnable action) {
        ChannelFuture last = lastWrite;
        if (last == null || last.isDone()) action.run();
        else last.addListener(f -> action.run());
    }

    /** Releases what is still queued (the channel closed). */
    void discard() {
        Object entry;
        while ((entry = queue.poll()) != null) {
            if (entry instanceof StreamItem item) {
                item.window().left();
                item.payload().release();
            } else {
                ((ByteBuf) entry).release();
            }
        }
    }
}
