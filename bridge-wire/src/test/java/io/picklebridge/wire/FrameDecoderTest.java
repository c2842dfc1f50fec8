package io.picklebridge.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FrameDecoderTest {

    private static final byte[] HELLO = "hello".getBytes(StandardCharsets.US_ASCII);

    static byte[] shortFrame(byte[] payload) {
        return ByteBuffer.allocate(4 + payload.length).putInt(payload.length).put(payload).array();
    }

    static byte[] longFrame(byte[] payload) {
        return ByteBuffer.allocate(12 + payload.length).putInt(-1).putLong(payload.length).put(payload).array();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }

    private static List<byte[]> drain(EmbeddedChannel ch) {
        List<byte[]> frames = new ArrayList<>();
        for (ByteBuf b; (b = ch.readInbound()) != null; ) {
            frames.add(ByteBufUtil.getBytes(b));
            b.release();
        }
        return frames;
    }

    @Test
    void decodesFramesSplitAtEveryBytePosition() {
        byte[] big = new byte[300];
        Arrays.fill(big, (byte) 0x5a);
        byte[] stream = concat(shortFrame(HELLO), shortFrame(new byte[0]), shortFrame(big), longFrame(new byte[] {1, 2, 3}));
        for (int cut = 0; cut <= stream.length; cut++) {
            EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder());
            ch.writeInbound(Unpooled.wrappedBuffer(stream, 0, cut));
            ch.writeInbound(Unpooled.wrappedBuffer(stream, cut, stream.length - cut));
            List<byte[]> frames = drain(ch);
            assertEquals(4, frames.size(), "cut at " + cut);
            assertArrayEquals(HELLO, frames.get(0));
            assertArrayEquals(new byte[0], frames.get(1));
            assertArrayEquals(big, frames.get(2));
            assertArrayEquals(new byte[] {1, 2, 3}, frames.get(3));
            assertFalse(ch.finishAndReleaseAll());
        }
    }

    @Test
    void decodesOneByteAtATime() {
        byte[] stream = concat(shortFrame(HELLO), longFrame(HELLO));
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder());
        List<byte[]> frames = new ArrayList<>();
        for (byte b : stream) {
            ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
            frames.addAll(drain(ch));
        }
        assertEquals(2, frames.size());
        assertArrayEquals(HELLO, frames.get(0));
        assertArrayEquals(HELLO, frames.get(1));
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void framesAreSlicesOfTheReceivedBytesNotCopies() {
        ByteBuf input = Unpooled.buffer().writeBytes(shortFrame(HELLO));
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder());
        ch.writeInbound(input);
        ByteBuf frame = ch.readInbound();
        assertTrue(frame.unwrap() != null, "a slice, not a copy: " + frame.getClass());
        frame.release();
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void refusesAnOversizedFrameFromItsHeaderAlone() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(100));
        ch.writeInbound(Unpooled.wrappedBuffer(shortFrame(new byte[100])));
        assertEquals(1, drain(ch).size());
        FrameTooLongException e = assertThrows(FrameTooLongException.class,
                () -> ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 101})));
        assertEquals(101, e.declaredLength());
        assertEquals(100, e.maxFrameLength());
        assertEquals("frame of 101 bytes exceeds the maximum frame length of 100 bytes", e.getMessage());
        assertTrue(e.closesConnection());
        // everything after a framing error is discarded
        ch.writeInbound(Unpooled.wrappedBuffer(shortFrame(HELLO)));
        assertTrue(drain(ch).isEmpty());
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void refusesALongHeaderBeyondTheMaximumWithoutWaitingForThePayload() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder());
        byte[] header = ByteBuffer.allocate(12).putInt(-1).putLong(3L << 30).array();
        FrameTooLongException e = assertThrows(FrameTooLongException.class,
                () -> ch.writeInbound(Unpooled.wrappedBuffer(header)));
        assertEquals(3L << 30, e.declaredLength());
        assertEquals(FrameDecoder.DEFAULT_MAX_FRAME_LENGTH, e.maxFrameLength());
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void refusesAUint64LengthAboveLongMax() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder());
        byte[] header = ByteBuffer.allocate(12).putInt(-1).putLong(-5L).array();
        FrameTooLongException e = assertThrows(FrameTooLongException.class,
                () -> ch.writeInbound(Unpooled.wrappedBuffer(header)));
        assertEquals(Long.MAX_VALUE, e.declaredLength());
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void refusesNegativeLengthsOtherThanMinusOne() {
        for (int length : new int[] {-2, Integer.MIN_VALUE}) {
            EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder());
            byte[] stream = concat(ByteBuffer.allocate(4).putInt(length).array(), shortFrame(HELLO));
            CorruptFrameException e = assertThrows(CorruptFrameException.class,
                    () -> ch.writeInbound(Unpooled.wrappedBuffer(stream)));
            assertTrue(e.getMessage().contains("negative frame length " + length), e.getMessage());
            assertTrue(drain(ch).isEmpty());
            assertFalse(ch.finishAndReleaseAll());
        }
    }

    @Test
    void loweredMaximumAppliesFromTheNextHeader() {
        FrameDecoder decoder = new FrameDecoder();
        EmbeddedChannel ch = new EmbeddedChannel(decoder);
        decoder.maxFrameLength(4);
        assertThrows(FrameTooLongException.class, () -> ch.writeInbound(Unpooled.wrappedBuffer(shortFrame(HELLO))));
        assertFalse(ch.finishAndReleaseAll());
        assertThrows(IllegalArgumentException.class, () -> decoder.maxFrameLength(-1));
        assertThrows(IllegalArgumentException.class, () -> decoder.maxFrameLength(Integer.MAX_VALUE));
    }

    @Test
    void partialFrameAtCloseIsDroppedWithoutLeaking() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder());
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 9, 1, 2}));
        assertNull(ch.readInbound());
        assertFalse(ch.finishAndReleaseAll());
    }
}
