package io.picklebridge.server.dispatch;

import java.util.concurrent.Semaphore;

/**
 * How many {@code item} frames of one streamed call may wait in its connection's
 * {@link ReplyWriter} queue: the producing worker takes a permit per item (waiting when all are
 * taken), the writer gives it back as the item leaves the queue. A cancelled stream is
 * <em>dropped</em>: its items still queued are released instead of written, so a cancel (and
 * whatever the client sends next, a ping say) is not stuck behind millions of queued items.
 *
 * <pre>{@code
 * StreamWindow window = new StreamWindow(128);
 * window.enter();                       // worker thread, before queueing an item
 * writer.enqueueItem(frame, window);    // the writer calls window.left() when it dequeues it
 * window.drop();                        // on cancel: queued items are discarded
 * }</pre>
 */
final class StreamWindow {
    private final Semaphore permits;
    private volatile boolean dropped;

    StreamWindow(int size) {
        this.permits = new Semaphore(size);
    }

    /** Waits for room for one more queued item; interruptible (cancel, timeout, disconnect). */
    void enter() throws InterruptedException {
        permits.acquire();
    }

    /** One item left the queue (written or released). */
    void left() {
        permits.release();
    }

    /** Items still queued are released instead of written. */
    void drop() {
        dropped = true;
    }

    boolean isDropped() {
        return dropped;
    }
}
