package io.picklebridge.server.dispatch;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.picklebridge.pickle.PickleCodec;
import io.picklebridge.pickle.PickleException;
import io.picklebridge.pickle.PyTuple;
import io.picklebridge.wire.Bye;
import io.picklebridge.wire.Call;
import io.picklebridge.wire.CallOptions;
import io.picklebridge.wire.Cancel;
import io.picklebridge.wire.Hello;
import io.picklebridge.wire.MapChunk;
import io.picklebridge.wire.Message;
import io.picklebridge.wire.Messages;
import io.picklebridge.wire.OutOfBand;
import io.picklebridge.wire.Ping;
import io.picklebridge.wire.Pong;
import io.picklebridge.wire.ProtocolException;
import io.picklebridge.wire.WireException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The last handler of a server connection: unpickles each frame, answers {@code hello},
 * {@code ping}, {@code cancel} and {@code bye} on the event loop, runs calls of inline workers
 * ({@link io.picklebridge.server.registry.Work#inline()}) right there, writing their replies
 * with one flush per read batch, and hands other {@code call}s and every {@code map} to the
 * {@link Dispatcher}'s worker threads. A frame that is not a usable message
 * gets an error reply (to its id when it can be read, else to {@code None}) and the connection
 * stays open; a framing error closes this connection only, with a logged reason. One instance
 * per channel.
 *
 * <pre>
 * frame: 80 04 95 ... ("call", 1, "sys.echo", (7,), {})  -&gt; inline, on the event loop -&gt; ("result", 1, 7)
 * frame: 80 04 95 ... ("call", 2, "sys.sleep", (1,), {}) -&gt; worker thread -&gt; ("result", 2, None)
 * frame: 80 04 95 ... ("ping", b"x")                      -&gt; ("pong", b"x") from the event loop
 * </pre>
 *
 * <pre>{@code
 * pipeline.addLast(new FrameDecoder(maxFrame), FrameEncoder.INSTANCE, new RequestHandler(dispatcher));
 * }</pre>
 */
public final class RequestHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(RequestHandler.class);

    /** Frames up to this size are unpickled on the event loop; larger ones on a worker thread. */
    static final int INLINE_DECODE_LIMIT = 64 * 1024;

    private final Dispatcher dispatcher;
    private final java.util.ArrayDeque<ByteBuf> waiting = new java.util.ArrayDeque<>(); // event loop only
    private boolean decodingAside; // event loop only
    private ConnectionCalls calls;
    private int negotiatedProtocol = -1;

    public RequestHandler(Dispatcher dispatcher) {
        this.dispatcher = dispatcher;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        calls = new ConnectionCalls(dispatcher, ctx);
        dispatcher.stats().connections.incrementAndGet();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Message message) { // an out-of-band group, decoded by the OutOfBandDecoder
            try {
                handleMessage(message, negotiatedProtocol > 0 ? negotiatedProtocol : 5);
            } catch (ProtocolException e) {
                Object id = e.requestId().isPresent() ? (Object) e.requestId().getAsLong() : null;
                replyProtocolError(id, e.getMessage(), negotiatedProtocol > 0 ? negotiatedProtocol : 5);
            }
            return;
        }
        if (!(msg instanceof ByteBuf frame)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (decodingAside) {
            waiting.add(frame); // keeps arrival order behind the frame being decoded
        } else {
            process(ctx, frame);
        }
    }

    /**
     * Small frames are unpickled right here; a frame of more than {@value #INLINE_DECODE_LIMIT}
     * bytes is unpickled on a worker thread so that it cannot hold up the event loop (and the
     * other connections on it). Reading pauses meanwhile, and frames already read wait their
     * turn, so messages are still handled in arrival order.
     */
    private void process(ChannelHandlerContext ctx, ByteBuf frame) {
        int protocol = replyProtocol(frame);
        if (frame.readableBytes() <= INLINE_DECODE_LIMIT) {
            handleDecoded(decode(frame, protocol), protocol);
            return;
        }
        decodingAside = true;
        calls.pauseReading(true);
        try {
            dispatcher.execute(() -> {
                Object message = decode(frame, protocol);
                ctx.executor().execute(() -> {
                    decodingAside = false;
                    calls.pauseReading(false);
                    if (!calls.isClosed()) handleDecoded(message, protocol);
                    ByteBuf next;
                    while (!decodingAside && (next = waiting.poll()) != null) {
                        if (calls.isClosed()) next.release();
                        else process(ctx, next);
                    }
                    calls.flushReplies();
                });
            });
        } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
            frame.release();
            decodingAside = false;
            calls.pauseReading(false);
            replyProtocolError(null, "server shutting down: message not read", protocol);
        }
    }

    private static final Object UNREADABLE = new Object();

    /** Unpickles and releases the frame; answers a bad pickle with a ProtocolError. */
    private Object decode(ByteBuf frame, int protocol) {
        try {
            return dispatcher.codec().loads(frame.nioBuffer());
        } catch (PickleException e) {
            replyProtocolError(null, "not a valid pickle: " + e.getMessage(), protocol);
            return UNREADABLE;
        } finally {
            frame.release();
        }
    }

    private void handleDecoded(Object message, int protocol) {
        if (message == UNREADABLE) return;
        try {
            handle(message, protocol);
        } catch (ProtocolException e) {
            Object id = e.requestId().isPresent() ? (Object) e.requestId().getAsLong() : null;
            replyProtocolError(id, e.getMessage(), protocol);
        }
    }

    private void handle(Object value, int protocol) {
        handleMessage(Messages.fromPickleValue(value), protocol);
    }

    private void handleMessage(Message message, int protocol) {
        if (message instanceof Call call) {
            calls.submit(new CallRequest(CallRequest.Kind.CALL, call.id(), call.worker(), call.args(), call.kwargs(),
                    null, false, call.options().stream(), seconds(call.options()), protocol));
        } else if (message instanceof MapChunk chunk) {
            calls.submit(new CallRequest(CallRequest.Kind.MAP, chunk.id(), chunk.worker(), null, Map.of(),
                    chunk.items(), chunk.options().star(), false, seconds(chunk.options()), protocol));
        } else if (message instanceof Cancel cancel) {
            calls.cancel(cancel.id());
        } else if (message instanceof Ping ping) {
            calls.reply(dispatcher.encode(new Pong(ping.payload()).toPickleValue(), protocol));
        } else if (message instanceof Hello hello) {
            hello(hello, protocol);
        } else if (message instanceof Bye) {
            calls.bye();
        } else {
            throw new ProtocolException("a server does not accept '" + message.kind() + "' messages",
                    message.kind(), null, null);
        }
    }

    private static double seconds(CallOptions options) {
        Double seconds = options.timeoutSeconds();
        return seconds == null ? 0 : seconds;
    }

    private void hello(Hello hello, int protocol) {
        OptionalInt wanted = hello.protocol();
        if (wanted.isPresent()) {
            negotiatedProtocol = Math.max(2, Math.min(PickleCodec.HIGHEST_PROTOCOL, wanted.getAsInt()));
        }
        int replyProtocol = negotiatedProtocol > 0 ? negotiatedProtocol : protocol;
        Map<String, Object> reply = new LinkedHashMap<>(dispatcher.helloInfo());
        reply.put("protocol", (long) replyProtocol);
        boolean offered = reply.get("capabilities") instanceof java.util.List<?> caps && caps.contains(OutOfBand.CAPABILITY);
        calls.outOfBand(offered && replyProtocol == 5 && hello.capabilities().contains(OutOfBand.CAPABILITY));
        calls.reply(dispatcher.encode(new Hello(reply).toPickleValue(), replyProtocol));
    }

    /** The protocol to answer a frame in: the negotiated one, else the frame's own (at least 2). */
    private int replyProtocol(ByteBuf frame) {
        if (negotiatedProtocol > 0) return negotiatedProtocol;
        if (frame.readableBytes() >= 2 && frame.getUnsignedByte(frame.readerIndex()) == 0x80) {
            int p = frame.getUnsignedByte(frame.readerIndex() + 1);
            return Math.max(2, Math.min(PickleCodec.HIGHEST_PROTOCOL, p));
        }
        return 2;
    }

    private void replyProtocolError(Object id, String message, int protocol) {
        dispatcher.stats().errors.incrementAndGet();
        calls.reply(dispatcher.encode(PyTuple.of("error", id,
                ExceptionMapping.errorInfo("ProtocolError", message, null)), protocol));
    }

    /** One flush for the replies of the inline calls of this read batch. */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        calls.flushReplies();
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        calls.updateAutoRead();
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        calls.closed();
        ByteBuf next;
        while ((next = waiting.poll()) != null) next.release();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof ProtocolException e) {
            Object id = e.requestId().isPresent() ? (Object) e.requestId().getAsLong() : null;
            replyProtocolError(id, e.getMessage(), negotiatedProtocol > 0 ? negotiatedProtocol : 2);
            return;
        }
        if (cause instanceof WireException e) {
            if (e instanceof io.picklebridge.wire.AuthenticationException) {
                ctx.close(); // the handshake handler logged it and answered #FAILURE#
                return;
            }
            log.warn("closing connection from {}: {}", ctx.channel().remoteAddress(), e.getMessage());
            calls.reply(dispatcher.encode(PyTuple.of("error", null,
                    ExceptionMapping.errorInfo("ProtocolError", e.getMessage(), null)), 2));
            calls.closeAfterReplies();
            return;
        }
        if (cause instanceof IOException) {
            log.debug("connection from {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        } else {
            log.warn("closing connection from {} after an unexpected error", ctx.channel().remoteAddress(), cause);
        }
        ctx.close();
    }

    /**
     * Stops reading the connection and closes it once the replies queued so far are written
     * (server shutdown). Any thread.
     */
    public static void closeAfterReplies(io.netty.channel.Channel channel) {
        RequestHandler handler = channel.pipeline().get(RequestHandler.class);
        if (handler == null || handler.calls == null) {
            channel.close();
        } else {
            channel.eventLoop().execute(handler.calls::closeAfterReplies);
        }
    }

    /** This connection's calls, for tests. */
    ConnectionCalls calls() {
        return calls;
    }
}
