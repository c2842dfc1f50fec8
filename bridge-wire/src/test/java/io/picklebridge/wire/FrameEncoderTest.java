package io.picklebridge.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

class FrameEncoderTest {

    @Test
    void prefixesASmallPayloadWithItsLength() {
        EmbeddedChannel ch = new EmbeddedChannel(FrameEncoder.INSTANCE);
        ch.writeOutbound(Unpooled.wrappedBuffer(new byte[] {0x68, 0x65, 0x6c, 0x6c, 0x6f}));
        ByteBuf frame = ch.readOutbound();
        assertEquals("0000000568656c6c6f", ByteBufUtil.hexDump(frame));
        frame.release();
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void writesALargePayloadBehindASeparateHeaderWithoutCopyingIt() {
        byte[] payload = new byte[FrameEncoder.COPY_THRESHOLD + 1];
        Arrays.fill(payload, (byte) 7);
        ByteBuf source = Unpooled.wrappedBuffer(payload);
        EmbeddedChannel ch = new EmbeddedChannel(FrameEncoder.INSTANCE);
        ch.writeOutbound(source);
        CompositeByteBuf frame = assertInstanceOf(CompositeByteBuf.class, ch.readOutbound());
        assertEquals(2, frame.numComponents());
        assertEquals("00000801", ByteBufUtil.hexDump(frame.component(0)));
        payload[0] = 9; // shares memory with the payload: no copy was made
        assertEquals(9, frame.getByte(4));
        frame.release();
        assertEquals(0, source.refCnt());
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void roundTripsThroughTheDecoder() {
        EmbeddedChannel out = new EmbeddedChannel(FrameEncoder.INSTANCE);
        EmbeddedChannel in = new EmbeddedChannel(new FrameDecoder());
        byte[][] payloads = {new byte[0], new byte[] {1}, new byte[5000]};
        for (byte[] p : payloads) {
            out.writeOutbound(Unpooled.wrappedBuffer(p));
            in.writeInbound((Object) out.readOutbound());
            ByteBuf frame = in.readInbound();
            assertArrayEquals(p, ByteBufUtil.getBytes(frame));
            frame.release();
        }
        assertFalse(out.finishAndReleaseAll());
        assertFalse(in.finishAndReleaseAll());
    }
}
