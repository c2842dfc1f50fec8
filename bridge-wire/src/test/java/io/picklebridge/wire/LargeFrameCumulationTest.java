package io.picklebridge.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** Large frames arriving in socket-sized reads decode whole, joined into one buffer once complete. */
class LargeFrameCumulationTest {
    @Test
    void aLargeFrameInSmallReadsThenASmallFrame() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder());
        int n = (FrameDecoder.JOIN_DIRECT_UP_TO >> 2) * 5; // above the direct join: joined on the heap
        ByteBuf wire = Unpooled.buffer(n + 16).writeInt(n);
        for (int i = 0; i < n; i++) wire.writeByte(i * 31);
        wire.writeInt(3).writeBytes(new byte[] {7, 8, 9});
        while (wire.isReadable()) ch.writeInbound(wire.readRetainedSlice(Math.min(65_536 + 3, wire.readableBytes())));
        wire.release();
        ByteBuf big = ch.readInbound();
        assertEquals(n, big.readableBytes());
        assertEquals(1, big.nioBufferCount(), "joined into one buffer");
        for (int i = 0; i < n; i += 4099) assertEquals((byte) (i * 31), big.getByte(big.readerIndex() + i), "byte " + i);
        big.release();
        ByteBuf small = ch.readInbound();
        assertEquals(3, small.readableBytes());
        assertEquals(9, small.getByte(small.readerIndex() + 2));
        small.release();
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void aOneMebibyteFrameInSocketSizedReadsComesOutAsOneBuffer() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder());
        int n = (1 << 20) + 5;
        ByteBuf wire = Unpooled.buffer(n + 4).writeInt(n);
        for (int i = 0; i < n; i++) wire.writeByte(i * 13 + (i >> 8));
        while (wire.isReadable()) ch.writeInbound(wire.readRetainedSlice(Math.min(65_536, wire.readableBytes())));
        wire.release();
        ByteBuf big = ch.readInbound();
        assertEquals(n, big.readableBytes());
        assertEquals(1, big.nioBufferCount());
        for (int i = 0; i < n; i += 997) assertEquals((byte) (i * 13 + (i >> 8)), big.getByte(big.readerIndex() + i), "byte " + i);
        big.release();
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void framesJustBelowAndAtTheJoiningSizeBackToBack() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder());
        int[] sizes = {FrameDecoder.LARGE_PAYLOAD - 1, FrameDecoder.LARGE_PAYLOAD, 7};
        ByteBuf wire = Unpooled.buffer();
        for (int size : sizes) {
            wire.writeInt(size);
            for (int i = 0; i < size; i++) wire.writeByte(size + i);
        }
        while (wire.isReadable()) ch.writeInbound(wire.readRetainedSlice(Math.min(40_000, wire.readableBytes())));
        wire.release();
        for (int size : sizes) {
            ByteBuf frame = ch.readInbound();
            assertEquals(size, frame.readableBytes());
            assertEquals((byte) size, frame.getByte(frame.readerIndex()));
            assertEquals((byte) (2 * size - 1), frame.getByte(frame.readerIndex() + size - 1));
            frame.release();
        }
        assertFalse(ch.finishAndReleaseAll());
    }
}
