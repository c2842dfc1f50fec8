package io.picklebridge.client;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.picklebridge.wire.AuthenticationException;
import io.picklebridge.wire.ErrorInfo;
import io.picklebridge.wire.ErrorReply;
import io.picklebridge.wire.Hello;
import io.picklebridge.wire.Item;
import io.picklebridge.wire.Pong;
import io.picklebridge.wire.ProtocolException;
import io.picklebridge.wire.Result;
import io.picklebridge.wire.WireException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The last handler of a client connection: matches each reply to its pending request and hands
 * the completion to {@link PendingRequests} (which runs it off the event loop). Also receives
 * the peer's {@code hello} and remembers why the connection failed, if it did.
 *
 * <pre>
 * ("result", 7, 42)                -&gt; pending call 7 completes with 42 (converted to the asked type)
 * ("error", 7, {"type": ...})      -&gt; pending call 7 fails with RemoteException
 * ("item", 7, x)                   -&gt; streamed call 7's sink gets x (in order, before the terminal reply)
 * ("error", None, {...})           -&gt; logged; kept as the cause if the connection then closes
 * ("pong", 3)                      -&gt; ping 3 completes with its round-trip time
 * ("hello", {...})                 -&gt; the peer's info, awaited by BridgeClient.Builder.build()
 * </pre>
 *
 * <pre>{@code
 * ReplyHandler replies = new ReplyHandler(pending, link::describe);
 * replies.hello().get(10, SECONDS);
 * }</pre>
 */
final class ReplyHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ReplyHandler.class);

    private final PendingRequests pending;
    private final Supplier<String> peer;
    private final CompletableFuture<Map<String, Object>> hello = new CompletableFuture<>();
    private volatile Throwable lastError;

    ReplyHandler(PendingRequests pending, Supplier<String> peer) {
        this.pending = pending;
        this.peer = peer;
    }

    /** The peer's hello info; fails when the connection ends (or authentication fails) first. */
    CompletableFuture<Map<String, Object>> hello() {
        return hello;
    }

    /** Why the connection failed (a connection-level error reply, a wire or I/O error), or null. */
    Throwable lastError() {
        return lastError;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Result result) {
            PendingCall<?> call = pending.take(result.id());
            if (call == null) {
                log.debug("{}: result for call {}, which is no longer pending (timed out or cancelled)", peer.get(), result.id());
                return;
            }
            call.stopTimer();
            call.afterItems(pending::complete, () -> call.succeed(result.value()));
        } else if (msg instanceof ErrorReply error) {
            error(error);
        } else if (msg instanceof Pong pong) {
            PendingRequests.PendingPing ping = pong.payload() instanceof Long payload ? pending.takePing(payload) : null;
            if (ping == null) {
                log.debug("{}: pong {} answers no ping of this client", peer.get(), pong.payload());
                return;
            }
            Duration roundTrip = Duration.ofNanos(System.nanoTime() - ping.sentNanos());
            pending.complete(() -> ping.future().complete(roundTrip));
        } else if (msg instanceof Hello h) {
            if (!hello.complete(h.info())) log.debug("{}: second hello ignored", peer.get());
        } else if (msg instanceof Item item) {
            PendingCall<?> call = pending.peek(item.id());
            if (call == null || !call.isStreamed()) {
                log.debug("{}: item for call {}, which is not a pending streamed call, ignored", peer.get(), item.id());
                return;
            }
            call.item(item.value(), pending::complete);
        } else {
            log.warn("{}: unexpected '{}' message from the peer, ignored", peer.get(),
                    msg instanceof io.picklebridge.wire.Message m ? m.kind() : msg.getClass().getName());
        }
    }

    private void error(ErrorReply error) {
        ErrorInfo info = error.info();
        if (error.isConnectionLevel()) {
            RemoteException remote = RemoteException.from(info, null, 0);
            if (!hello.isDone() && ErrorInfo.PROTOCOL_ERROR.equals(info.type())) {
                // a peer without hello support: carry on without its info
                log.debug("{}: peer refused hello ({}); continuing without it", peer.get(), info.message());
                hello.complete(Map.of());
                return;
            }
            log.warn("{}: connection-level error from the peer: {}", peer.get(), remote.getMessage());
            lastError = remote;
            return;
        }
        PendingCall<?> call = pending.take(error.id());
        if (call == null) {
            log.debug("{}: error for call {}, which is no longer pending: {}", peer.get(), error.id(), info.type());
            return;
        }
        call.stopTimer();
        call.afterItems(pending::complete, () -> call.fail(info));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof ProtocolException e) {
            // a well-framed reply this client cannot read: fail its call when the id is known
            if (e.requestId().isPresent()) {
                PendingCall<?> call = pending.take(e.requestId().getAsLong());
                if (call != null) {
                    call.stopTimer();
                    BridgeException failure = new BridgeException("the reply to call " + call.id + " of "
                            + call.worker + " could not be read: " + e.getMessage(), e);
                    pending.complete(() -> call.fail(failure));
                    return;
                }
            }
            log.warn("{}: unreadable message from the peer ignored: {}", peer.get(), e.getMessage());
            return;
        }
        lastError = cause;
        if (cause instanceof AuthenticationException) {
            hello.completeExceptionally(cause); // the handshake handler closes the channel
        } else if (cause instanceof WireException || cause instanceof IOException) {
            log.debug("{}: closing: {}", peer.get(), cause.toString());
        } else {
            log.warn("{}: closing after an unexpected error", peer.get(), cause);
        }
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        Throwable cause = lastError;
        hello.completeExceptionally(cause != null ? cause : new ClosedChannelException());
        ctx.fireChannelInactive();
    }
}
