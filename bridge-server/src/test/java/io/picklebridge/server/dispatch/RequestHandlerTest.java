package io.picklebridge.server.dispatch;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.picklebridge.pickle.PickleCodec;
import io.picklebridge.pickle.PyTuple;
import io.picklebridge.server.registry.WorkerRegistry;
import io.picklebridge.server.workers.DemoWorkers;
import io.picklebridge.server.workers.SysWorkers;
import io.picklebridge.wire.FrameDecoder;
import io.picklebridge.wire.FrameEncoder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RequestHandlerTest {
    private static final PickleCodec CODEC = PickleCodec.defaults();

    private final ManualExecutor executor = new ManualExecutor();
    private final WorkerRegistry[] registry = new WorkerRegistry[1];
    private Dispatcher dispatcher = dispatcher(4);
    private EmbeddedChannel channel;

    private Dispatcher dispatcher(int maxInFlight) {
        registry[0] = WorkerRegistry.builder()
                .annotated(new SysWorkers(() -> registry[0].all(), () -> Map.of("server", "test")))
                .annotated(DemoWorkers.class)
                .worker("test.identity", (args, kwargs) -> args.get(0))
                .worker("test.ping", () -> "pong") // like sys.ping, but on the worker threads
                .worker("test.nap", Long.class, millis -> {
                    Thread.sleep(millis);
                    return millis;
                })
                .inline("test.nap") // an inline worker that breaks the rule, to see timeouts judged

                .worker("test.unpicklable", () -> new Object())
                .build();
        return new Dispatcher(registry[0], CODEC, 1, executor, maxInFlight, 0, () -> new LinkedHashMap<>(Map.of("server", "test")));
    }

    private EmbeddedChannel open() {
        channel = new EmbeddedChannel(new RequestHandler(dispatcher));
        return channel;
    }

    @AfterEach
    void noLeaks() throws InterruptedException {
        if (channel != null) assertFalse(channel.finishAndReleaseAll());
        dispatcher.shutdown(Duration.ZERO);
    }

    private static ByteBuf frame(Object message, int protocol) {
        return Unpooled.wrappedBuffer(CODEC.dumps(message, protocol));
    }

    private void send(Object message) {
        channel.writeInbound(frame(message, 5));
    }

    /** Runs the worker calls and the event loop's tasks, then returns every reply written. */
    private List<Object> replies() {
        executor.runAll();
        channel.runPendingTasks();
        List<Object> out = new ArrayList<>();
        ByteBuf b;
        while ((b = channel.readOutbound()) != null) {
            try {
                out.add(CODEC.loads(b.nioBuffer()));
            } finally {
                b.release();
            }
        }
        return out;
    }

    private Object onlyReply() {
        List<Object> replies = replies();
        assertEquals(1, replies.size(), replies.toString());
        return replies.get(0);
    }

    private static Map<?, ?> errorInfo(Object reply) {
        PyTuple t = (PyTuple) reply;
        assertEquals("error", t.get(0));
        return (Map<?, ?>) t.get(2);
    }

    @Test
    void callRunsOnTheExecutorAndRepliesWithTheResult() {
        open();
        send(PyTuple.of("call", 1L, "test.identity", PyTuple.of(PyTuple.of(1L, "two", 3.0)), Map.of()));
        assertTrue(channel.outboundMessages().isEmpty(), "nothing may run before the executor does");
        assertEquals(1, executor.queued());
        assertEquals(PyTuple.of("result", 1L, PyTuple.of(1L, "two", 3.0)), onlyReply());
    }

    @Test
    void inlineWorkersReplyFromTheEventLoopAtOnce() {
        open();
        send(PyTuple.of("call", 1L, "sys.echo", PyTuple.of(PyTuple.of(1L, "two", 3.0)), Map.of()));
        assertEquals(0, executor.queued(), "an inline worker never reaches the executor");
        ByteBuf reply = channel.readOutbound(); // written and flushed within the read
        try {
            assertEquals(PyTuple.of("result", 1L, PyTuple.of(1L, "two", 3.0)), CODEC.loads(reply.nioBuffer()));
        } finally {
            reply.release();
        }
        send(PyTuple.of("call", 2L, "sys.fail", PyTuple.of("java.lang.IllegalStateException", "no"), Map.of()));
        assertEquals("RuntimeError", errorInfo(channel.readOutbound() instanceof ByteBuf b ? release(b) : null).get("type"));
        assertEquals(0, dispatcher.busy());
        assertEquals(0, channel.pipeline().get(RequestHandler.class).calls().inFlight());
    }

    private static Object release(ByteBuf b) {
        try {
            return CODEC.loads(b.nioBuffer());
        } finally {
            b.release();
        }
    }

    @Test
    void anInlineCallThatOverranItsTimeoutRepliesTimeoutError() {
        open();
        send(PyTuple.of("call", 1L, "test.nap", PyTuple.of(30L), Map.of(), Map.of("timeout", 0.001)));
        Map<?, ?> info = errorInfo(onlyReply());
        assertEquals("TimeoutError", info.get("type"));
        assertEquals("test.nap", info.get("worker"));
        send(PyTuple.of("call", 2L, "test.nap", PyTuple.of(0L), Map.of(), Map.of("timeout", 60.0)));
        assertEquals(PyTuple.of("result", 2L, 0L), onlyReply());
    }

    @Test
    void anInlineCallReusingTheIdOfAPooledCallInFlightIsRefused() {
        open();
        send(PyTuple.of("call", 1L, "test.ping", PyTuple.empty(), Map.of()));
        send(PyTuple.of("call", 1L, "sys.ping", PyTuple.empty(), Map.of()));
        List<Object> replies = replies();
        assertEquals(2, replies.size());
        assertEquals("ProtocolError", errorInfo(replies.get(0)).get("type"));
        assertEquals(PyTuple.of("result", 1L, "pong"), replies.get(1));
    }

    @Test
    void streamedAndMappedCallsOfInlineWorkersStillRunOnTheExecutor() {
        open();
        send(PyTuple.of("map", 1L, "demo.square", new ArrayList<>(List.of(1L, 2L)), Map.of()));
        send(PyTuple.of("call", 2L, "sys.echo", PyTuple.of(List.of(1L)), Map.of(), Map.of("stream", true)));
        assertEquals(2, executor.queued());
        assertEquals(2, replies().size());
    }

    @Test
    void echoKeepsSharedPartsAndCycles() {
        open();
        List<Object> shared = new ArrayList<>(List.of(1L));
        List<Object> cyclic = new ArrayList<>();
        cyclic.add(cyclic);
        send(PyTuple.of("call", 1L, "sys.echo", PyTuple.of(PyTuple.of(shared, shared, cyclic)), Map.of()));
        PyTuple value = (PyTuple) ((PyTuple) onlyReply()).get(2);
        assertSame(value.get(0), value.get(1));
        List<?> back = (List<?>) value.get(2);
        assertSame(back, back.get(0));
    }

    @Test
    void repliesUseTheRequestsProtocolAtLeastTwo() {
        open();
        channel.writeInbound(frame(PyTuple.of("call", 1L, "sys.ping", PyTuple.empty(), Map.of()), 2));
        executor.runAll();
        channel.runPendingTasks();
        ByteBuf reply = channel.readOutbound();
        assertEquals(0x80, reply.getUnsignedByte(0));
        assertEquals(2, reply.getUnsignedByte(1));
        reply.release();
        channel.writeInbound(frame(PyTuple.of("hello", Map.of("protocol", 4L)), 5));
        Map<?, ?> hello = (Map<?, ?>) ((PyTuple) onlyReply()).get(1);
        assertEquals(4L, hello.get("protocol"));
        assertEquals("test", hello.get("server"));
        channel.writeInbound(frame(PyTuple.of("ping", "x"), 5));
        executor.runAll();
        channel.runPendingTasks();
        reply = channel.readOutbound();
        assertEquals(4, reply.getUnsignedByte(1));
        assertEquals(PyTuple.of("pong", "x"), CODEC.loads(reply.nioBuffer()));
        reply.release();
    }

    @Test
    void workerErrorsAreMappedWithTheWorkerName() {
        open();
        send(PyTuple.of("call", 3L, "sys.fail", PyTuple.of("java.lang.ArithmeticException", "/ by zero"), Map.of()));
        Map<?, ?> info = errorInfo(onlyReply());
        assertEquals("ZeroDivisionError", info.get("type"));
        assertEquals("java.lang.ArithmeticException", info.get("java_class"));
        assertEquals("/ by zero", info.get("message"));
        assertEquals("sys.fail", info.get("worker"));
        assertTrue(((String) info.get("traceback")).contains("at "));
        send(PyTuple.of("call", 4L, "sys.sleep", PyTuple.of("long"), Map.of()));
        info = errorInfo(onlyReply());
        assertEquals("TypeError", info.get("type"));
        assertEquals("sys.sleep(): parameter 'seconds' expects double, got str", info.get("message"));
        send(PyTuple.of("call", 5L, "sys.slep", PyTuple.empty(), Map.of()));
        info = errorInfo(onlyReply());
        assertEquals("NameError", info.get("type"));
        assertTrue(((String) info.get("message")).contains("sys.sleep"), info.toString());
        send(PyTuple.of("call", 6L, "test.unpicklable", PyTuple.empty(), Map.of()));
        info = errorInfo(onlyReply());
        assertEquals("TypeError", info.get("type"));
        assertTrue(((String) info.get("message")).contains("cannot be pickled"), info.toString());
    }

    @Test
    void mapRepliesWithAListOrTheFailingIndex() {
        open();
        send(PyTuple.of("map", 1L, "demo.square", new ArrayList<>(List.of(1L, 2L, 3L)), Map.of()));
        assertEquals(PyTuple.of("result", 1L, List.of(1L, 4L, 9L)), onlyReply());
        send(PyTuple.of("map", 2L, "demo.floordiv", List.of(PyTuple.of(4L, 2L), PyTuple.of(1L, 0L)), Map.of("star", true)));
        Map<?, ?> info = errorInfo(onlyReply());
        assertEquals(1L, info.get("index"));
        assertEquals("ZeroDivisionError", info.get("type"));
    }

    @Test
    void streamSendsItemsThenTheCount() {
        open();
        send(PyTuple.of("call", 9L, "demo.count", PyTuple.of(3L), Map.of(), Map.of("stream", true)));
        assertEquals(List.of(PyTuple.of("item", 9L, 0L), PyTuple.of("item", 9L, 1L), PyTuple.of("item", 9L, 2L),
                PyTuple.of("result", 9L, 3L)), replies());
    }

    @Test
    void malformedMessagesGetProtocolErrorsAndTheConnectionStaysOpen() {
        open();
        channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {(byte) 0x80, 4, 'J'}));
        Object garbage = onlyReply();
        assertNull(((PyTuple) garbage).get(1));
        assertEquals("ProtocolError", errorInfo(garbage).get("type"));
        send(PyTuple.of("call", 7L, 42L, PyTuple.empty(), Map.of()));
        PyTuple reply = (PyTuple) onlyReply();
        assertEquals(7L, reply.get(1));
        assertEquals("ProtocolError", errorInfo(reply).get("type"));
        send(List.of("call"));
        assertNull(((PyTuple) onlyReply()).get(1));
        send(PyTuple.of("result", 1L, 2L));
        assertEquals("ProtocolError", errorInfo(onlyReply()).get("type"));
        assertTrue(channel.isActive());
        send(PyTuple.of("call", 8L, "sys.ping", PyTuple.empty(), Map.of()));
        assertEquals(PyTuple.of("result", 8L, "pong"), onlyReply());
    }

    @Test
    void reachingMaxInFlightStopsReadingUntilHalfHaveFinished() {
        open();
        for (long id = 1; id <= 3; id++) send(PyTuple.of("call", id, "test.ping", PyTuple.empty(), Map.of()));
        assertTrue(channel.config().isAutoRead());
        send(PyTuple.of("call", 4L, "test.ping", PyTuple.empty(), Map.of()));
        assertFalse(channel.config().isAutoRead(), "4 in flight with a limit of 4");
        assertEquals(1, dispatcher.stats().backpressurePauses());
        assertEquals(4, replies().size());
        assertTrue(channel.config().isAutoRead());
        assertEquals(4, dispatcher.stats().maxInFlight());
    }

    @Test
    void cancelAnswersAQueuedCallAtOnceAndItNeverRuns() {
        open();
        send(PyTuple.of("call", 5L, "sys.sleep", PyTuple.of(60L), Map.of()));
        send(PyTuple.of("cancel", 5L));
        channel.runPendingTasks();
        ByteBuf reply = channel.readOutbound();
        assertEquals("CancelledError", errorInfo(CODEC.loads(reply.nioBuffer())).get("type"));
        reply.release();
        assertEquals(List.of(), replies(), "the cancelled call must not reply again");
        send(PyTuple.of("cancel", 99L));
        assertEquals(List.of(), replies(), "cancelling an unknown id is ignored");
    }

    @Test
    void duplicateIdInFlightIsRefused() {
        open();
        send(PyTuple.of("call", 1L, "test.ping", PyTuple.empty(), Map.of()));
        send(PyTuple.of("call", 1L, "test.ping", PyTuple.empty(), Map.of()));
        List<Object> replies = replies();
        assertEquals(2, replies.size());
        assertEquals("ProtocolError", errorInfo(replies.get(0)).get("type"));
        assertEquals(PyTuple.of("result", 1L, "pong"), replies.get(1));
    }

    @Test
    void byeClosesOnceEveryReplyIsOut() {
        open();
        send(PyTuple.of("call", 1L, "test.ping", PyTuple.empty(), Map.of()));
        send(PyTuple.of("bye"));
        channel.runPendingTasks();
        assertTrue(channel.isOpen(), "a call is still in flight");
        assertEquals(List.of(PyTuple.of("result", 1L, "pong")), replies());
        channel.runPendingTasks();
        assertFalse(channel.isOpen());
    }

    @Test
    void closingTheChannelAbandonsCallsWithoutReplies() {
        open();
        RequestHandler handler = channel.pipeline().get(RequestHandler.class);
        send(PyTuple.of("call", 1L, "sys.sleep", PyTuple.of(60L), Map.of()));
        assertEquals(1, handler.calls().inFlight());
        channel.close();
        assertEquals(0, handler.calls().inFlight());
        assertEquals(List.of(), replies());
    }

    @Test
    void largeFramesAreUnpickledOffTheEventLoopAndOrderIsKept() {
        open();
        byte[] big = new byte[RequestHandler.INLINE_DECODE_LIMIT + 1];
        send(PyTuple.of("call", 1L, "test.identity", PyTuple.of(big), Map.of()));
        send(PyTuple.of("ping", "after"));
        channel.runPendingTasks();
        assertTrue(channel.outboundMessages().isEmpty(), "the ping must wait for the large frame before it");
        assertFalse(channel.config().isAutoRead(), "reading pauses while a large frame is unpickled");
        assertEquals(1, executor.queued(), "the unpickling runs on the executor");
        executor.runAll();          // unpickles the call
        channel.runPendingTasks();  // handles it (queues the call) and then the ping
        List<Object> first = replies();
        assertEquals(List.of(PyTuple.of("pong", "after")), first.subList(0, 1));
        PyTuple result = (PyTuple) first.get(1);
        assertEquals(1L, result.get(1));
        assertEquals(big.length, ((byte[]) result.get(2)).length);
        assertTrue(channel.config().isAutoRead());
        channel.writeInbound(Unpooled.wrappedBuffer(new byte[RequestHandler.INLINE_DECODE_LIMIT + 10]));
        executor.runAll();
        channel.runPendingTasks();
        assertEquals("ProtocolError", errorInfo(onlyReply()).get("type"));
    }

    @Test
    void oversizedFrameGetsAConnectionErrorAndCloses() {
        channel = new EmbeddedChannel(new FrameDecoder(1024), FrameEncoder.INSTANCE, new RequestHandler(dispatcher));
        ByteBuf header = Unpooled.buffer().writeInt(1 << 30);
        channel.writeInbound(header);
        channel.runPendingTasks();
        ByteBuf framed = channel.readOutbound();
        assertEquals(framed.readableBytes() - 4, framed.getInt(0));
        Object reply = CODEC.loads(framed.nioBuffer(4, framed.readableBytes() - 4));
        framed.release();
        assertNull(((PyTuple) reply).get(1));
        assertEquals("ProtocolError", errorInfo(reply).get("type"));
        channel.runPendingTasks();
        assertFalse(channel.isOpen());
    }
}
