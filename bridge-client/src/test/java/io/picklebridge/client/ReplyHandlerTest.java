package io.picklebridge.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.picklebridge.pickle.PickleCodec;
import io.picklebridge.pickle.PyTuple;
import io.picklebridge.wire.FrameDecoder;
import io.picklebridge.wire.FrameEncoder;
import io.picklebridge.wire.MessageCodec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The client's inbound path (FrameDecoder, MessageCodec, ReplyHandler) on an EmbeddedChannel,
 * fed the bytes a peer sends, split at awkward places; completions run inline.
 */
class ReplyHandlerTest {
    private static final PickleCodec CODEC = PickleCodec.defaults();

    private PendingRequests pending;
    private ReplyHandler replies;
    private EmbeddedChannel channel;

    @BeforeEach
    void pipeline() {
        pending = new PendingRequests(Runnable::run);
        replies = new ReplyHandler(pending, () -> "test-peer");
        channel = new EmbeddedChannel(new FrameDecoder(), FrameEncoder.INSTANCE, new MessageCodec(CODEC, 4), replies);
    }

    @AfterEach
    void noLeaks() {
        assertFalse(channel.finishAndReleaseAll());
    }

    private static byte[] frame(Object message) {
        byte[] pickle = CODEC.dumps(message, 5);
        return ByteBuffer.allocate(4 + pickle.length).putInt(pickle.length).put(pickle).array();
    }

    /** Writes the frames as one byte stream cut into 3-byte pieces. */
    private void receive(Object... messages) {
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        for (Object m : messages) stream.writeBytes(frame(m));
        byte[] bytes = stream.toByteArray();
        for (int i = 0; i < bytes.length; i += 3) {
            channel.writeInbound(Unpooled.wrappedBuffer(bytes, i, Math.min(3, bytes.length - i)));
        }
    }

    /** The exception a future failed with (it must have failed already: completions run inline). */
    private static Throwable cause(java.util.concurrent.CompletableFuture<?> future) {
        assertTrue(future.isCompletedExceptionally(), () -> "not failed: " + future);
        return future.handle((value, error) -> error).join();
    }

    private PendingCall<Object> register(long id, String worker) {
        PendingCall<Object> call = new PendingCall<>(id, worker, 0, null, value -> value);
        pending.register(call);
        return call;
    }

    @Test
    void repliesCompleteTheirOwnCallsInAnyOrder() {
        PendingCall<Object> one = register(1, "sys.echo");
        PendingCall<Object> two = register(2, "sys.fail");
        receive(PyTuple.of("error", 2L, Map.of("type", "ValueError", "java_class", "java.lang.IllegalArgumentException",
                        "message", "bad", "traceback", "java.lang.IllegalArgumentException: bad\n\tat x")),
                PyTuple.of("result", 1L, List.of(1L, "a")));
        assertEquals(List.of(1L, "a"), one.future.join());
        RemoteException e = assertInstanceOf(RemoteException.class, cause(two.future));
        assertEquals("ValueError", e.type());
        assertEquals("sys.fail", e.worker());
        assertEquals(0, pending.size());
    }

    @Test
    void streamedItemsReachTheSinkBeforeTheCount() {
        List<Object> items = new ArrayList<>();
        PendingCall<Object> call = new PendingCall<>(5, "demo.count", 0, null, value -> value, items::add);
        pending.register(call);
        receive(PyTuple.of("item", 5L, "a"), PyTuple.of("item", 5L, "b"), PyTuple.of("item", 99L, "stray"),
                PyTuple.of("result", 5L, 2L));
        assertEquals(List.of("a", "b"), items);
        assertEquals(2L, call.future.join());
    }

    @Test
    void aMapErrorIndexIsShiftedByTheChunkOffset() {
        PendingCall<Object> chunk = new PendingCall<>(3, "demo.square", 40, null, value -> value);
        pending.register(chunk);
        receive(PyTuple.of("error", 3L, Map.of("type", "TypeError", "message", "not a number", "index", 2L)));
        assertEquals(42, assertInstanceOf(RemoteException.class, cause(chunk.future)).index());
    }

    @Test
    void theTimeoutErrorOfACallWithATimeoutIsACallTimeout() {
        PendingCall<Object> call = new PendingCall<>(4, "sys.sleep", 0, Duration.ofSeconds(1), value -> value);
        pending.register(call);
        receive(PyTuple.of("error", 4L, Map.of("type", "TimeoutError", "message", "timed out after 1.0 s")));
        CallTimeoutException e = assertInstanceOf(CallTimeoutException.class, cause(call.future));
        assertEquals("TimeoutError", ((RemoteException) e.getCause()).type());
    }

    @Test
    void anUnreadableReplyFailsItsCallAndTheNextReplyIsRead() {
        PendingCall<Object> broken = register(7, "sys.echo");
        PendingCall<Object> fine = register(8, "sys.echo");
        receive(PyTuple.of("result", 7L), PyTuple.of("result", 8L, "ok"));
        BridgeException e = assertInstanceOf(BridgeException.class, cause(broken.future));
        assertTrue(e.getMessage().startsWith("the reply to call 7 of sys.echo could not be read"), e.getMessage());
        assertEquals("ok", fine.future.join());
        assertTrue(channel.isActive());
    }

    @Test
    void pongsAndHello() {
        java.util.concurrent.CompletableFuture<Duration> pong = new java.util.concurrent.CompletableFuture<>();
        pending.register(11L, new PendingRequests.PendingPing(pong, System.nanoTime()));
        receive(PyTuple.of("hello", Map.of("server", "x", "protocol", 5L)), PyTuple.of("pong", 11L), PyTuple.of("pong", 12L));
        assertFalse(pong.join().isNegative());
        assertEquals("x", replies.hello().join().get("server"));
    }

    @Test
    void aPeerRefusingHelloLeavesEmptyInfo() {
        receive(PyTuple.of("error", null, Map.of("type", "ProtocolError", "message", "unknown message kind 'hello'")));
        assertEquals(Map.of(), replies.hello().join());
        assertNull(replies.lastError());
    }

    @Test
    void badFramingClosesTheChannelAndIsRemembered() {
        channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {(byte) 0x80, 0, 0, 0}));
        assertFalse(channel.isActive());
        assertInstanceOf(io.picklebridge.wire.CorruptFrameException.class, replies.lastError());
        assertTrue(replies.hello().isCompletedExceptionally());
    }

    @Test
    void writtenCallsAreFramedPickles() {
        channel.writeOutbound(io.picklebridge.wire.Call.of(9, "sys.echo", 1L));
        ByteBuf out = channel.readOutbound();
        try {
            int length = out.readInt();
            assertEquals(length, out.readableBytes());
            byte[] pickle = new byte[length];
            out.readBytes(pickle);
            assertEquals(4, pickle[1], "written at protocol 4 before any hello");
            assertEquals(PyTuple.of("call", 9L, "sys.echo", PyTuple.of(1L), Map.of()), CODEC.loads(pickle));
        } finally {
            out.release();
        }
    }
}
