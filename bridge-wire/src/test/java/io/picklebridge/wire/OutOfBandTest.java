package io.picklebridge.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.picklebridge.pickle.PickleCodec;
import io.picklebridge.pickle.PyByteArray;
import io.picklebridge.pickle.PyTuple;
import io.picklebridge.pickle.numpy.NdArray;
import io.picklebridge.pickle.numpy.NumpySupport;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The out-of-band extension's handlers in a real wire pipeline, through EmbeddedChannel. */
class OutOfBandTest {
    private static final int MIN_BUFFER = 1024;
    private final PickleCodec codec = NumpySupport.codec();

    private EmbeddedChannel channel() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.pipeline().addLast(WirePipeline.FRAME_DECODER, new FrameDecoder());
        ch.pipeline().addLast(WirePipeline.FRAME_ENCODER, FrameEncoder.INSTANCE);
        ch.pipeline().addLast(WirePipeline.MESSAGE_CODEC, new MessageCodec(codec));
        OutOfBand.install(ch.pipeline(), codec, MIN_BUFFER);
        return ch;
    }

    private static ByteBuf frame(byte[] payload) {
        return Unpooled.buffer().writeInt(payload.length).writeBytes(payload);
    }

    private static byte[] header(int count, byte[] pickle) {
        return ByteBuffer.allocate(5 + pickle.length).put((byte) 0xff).putInt(count).put(pickle).array();
    }

    private static Hello hello(boolean oob) {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("protocol", 5L);
        List<Object> caps = new ArrayList<>(Hello.CAPABILITIES);
        if (oob) caps.add(OutOfBand.CAPABILITY);
        info.put("capabilities", caps);
        return new Hello(info);
    }

    /** Reads every outbound frame payload (the FrameEncoder's output, header stripped). */
    private static List<byte[]> writtenFrames(EmbeddedChannel ch) {
        ByteBuf all = Unpooled.buffer();
        for (ByteBuf b; (b = ch.readOutbound()) != null; ) {
            all.writeBytes(b);
            b.release();
        }
        List<byte[]> frames = new ArrayList<>();
        while (all.isReadable()) {
            byte[] payload = new byte[all.readInt()];
            all.readBytes(payload);
            frames.add(payload);
        }
        all.release();
        return frames;
    }

    private static double[] ramp(int n) {
        double[] d = new double[n];
        for (int i = 0; i < n; i++) d[i] = i * 0.5;
        return d;
    }

    @Test
    void aGroupSplitAcrossReadsDecodesToOneMessageWrappingTheBuffer() {
        EmbeddedChannel ch = channel();
        NdArray array = NdArray.of(ramp(1000));
        List<ByteBuffer> taken = new ArrayList<>();
        byte[] pickle = codec.dumps(PyTuple.of("call", 7L, "sys.echo", PyTuple.of(array), Map.of()), 5,
                b -> !b.isReadOnly() && taken.add(b));
        assertEquals(1, taken.size());
        ByteBuf bytes = Unpooled.buffer();
        bytes.writeBytes(frame(header(1, pickle)));
        bytes.writeBytes(frame(toArray(taken.get(0))));
        // one byte at a time: headers and payloads split anywhere
        while (bytes.isReadable()) ch.writeInbound(bytes.readRetainedSlice(Math.min(7, bytes.readableBytes())));
        bytes.release();
        Call call = assertInstanceOf(Call.class, ch.readInbound());
        assertEquals(7L, call.id());
        assertArrayEquals(ramp(1000), ((NdArray) call.args().get(0)).toDoubleArray());
        assertNull(ch.readInbound());
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void framesWithoutTheMarkerPassThrough() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(frame(codec.dumps(PyTuple.of("ping", "x"))));
        assertEquals(new Ping("x"), ch.readInbound());
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void writesInBandUntilBothHellosListOob() {
        EmbeddedChannel ch = channel();
        PyByteArray big = new PyByteArray(new byte[4096]);
        ch.writeOutbound(new Result(1, big));
        assertEquals(1, writtenFrames(ch).size(), "no hello yet: in band");

        ch.writeOutbound(hello(true));
        writtenFrames(ch);
        ch.writeInbound(frame(codec.dumps(hello(false).toPickleValue())));
        ch.readInbound();
        assertFalse(OutOfBand.isNegotiated(ch));
        ch.writeOutbound(new Result(2, big));
        assertEquals(1, writtenFrames(ch).size(), "peer did not list oob: in band");

        ch.writeInbound(frame(codec.dumps(hello(true).toPickleValue())));
        ch.readInbound();
        assertTrue(OutOfBand.isNegotiated(ch));
        ch.writeOutbound(new Result(3, big));
        List<byte[]> frames = writtenFrames(ch);
        assertEquals(2, frames.size());
        assertEquals((byte) 0xff, frames.get(0)[0]);
        assertEquals(1, ByteBuffer.wrap(frames.get(0), 1, 4).getInt());
        assertEquals(4096, frames.get(1).length);
        Object back = codec.loads(ByteBuffer.wrap(frames.get(0), 5, frames.get(0).length - 5), List.of(ByteBuffer.wrap(frames.get(1))));
        assertEquals(PyTuple.of("result", 3L, big), back);

        ch.writeOutbound(new Result(4, new PyByteArray(new byte[MIN_BUFFER - 1])));
        assertEquals(1, writtenFrames(ch).size(), "small buffers stay in band");
        ch.writeOutbound(new Result(5, new byte[4096]));
        assertEquals(1, writtenFrames(ch).size(), "bytes (read-only) stay in band");
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void theEncoderWritesHeaderPickleAndBuffersAsFrames() {
        EmbeddedChannel ch = new EmbeddedChannel(FrameEncoder.INSTANCE, OutOfBandEncoder.INSTANCE);
        byte[] pickle = {(byte) 0x80, 5, (byte) 0x97, 0x2e}; // PROTO 5, NEXT_BUFFER, STOP
        ch.writeOutbound(OutOfBandMessage.of(Unpooled.wrappedBuffer(pickle), List.of(Unpooled.wrappedBuffer(new byte[] {1, 2, 3}))));
        List<byte[]> frames = writtenFrames(ch);
        assertArrayEquals(new byte[] {(byte) 0xff, 0, 0, 0, 1, (byte) 0x80, 5, (byte) 0x97, 0x2e}, frames.get(0));
        assertArrayEquals(new byte[] {1, 2, 3}, frames.get(1));
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void badGroupsAreProtocolErrorsAndTheStreamStaysInStep() {
        EmbeddedChannel ch = channel();
        byte[] ping = codec.dumps(PyTuple.of("ping", 1L));

        ProtocolException e = assertThrows(ProtocolException.class, () -> ch.writeInbound(frame(new byte[] {(byte) 0xff, 0, 0})));
        assertTrue(e.getMessage().contains("header of 3 bytes"), e.getMessage());

        e = assertThrows(ProtocolException.class, () -> ch.writeInbound(frame(header(0, ping))));
        assertTrue(e.getMessage().contains("0 buffers"), e.getMessage());

        // too many buffers: all of them are skipped, then the error
        ByteBuf many = Unpooled.buffer().writeBytes(frame(header(OutOfBand.MAX_BUFFERS + 1, ping)));
        for (int i = 0; i <= OutOfBand.MAX_BUFFERS; i++) many.writeBytes(frame(new byte[] {(byte) i}));
        e = assertThrows(ProtocolException.class, () -> ch.writeInbound(many));
        assertTrue(e.getMessage().contains("1025 buffers"), e.getMessage());

        // a pickle referring to more buffers than came
        byte[] twoBuffers = {(byte) 0x80, 5, (byte) 0x97, (byte) 0x97, (byte) 0x86, 0x2e};
        ByteBuf short1 = Unpooled.buffer().writeBytes(frame(header(1, twoBuffers))).writeBytes(frame(new byte[] {9}));
        e = assertThrows(ProtocolException.class, () -> ch.writeInbound(short1));
        assertTrue(e.getMessage().contains("out-of-band"), e.getMessage());

        ch.writeInbound(frame(ping));
        assertEquals(new Ping(1L), ch.readInbound());
        assertFalse(ch.finishAndReleaseAll());
    }

    private static byte[] toArray(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}
