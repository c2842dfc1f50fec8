package io.picklebridge.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageEncoder;

import java.util.List;

/**
 * Writes each outbound {@link ByteBuf} as one {@code multiprocessing.connection} frame
 * ({@code Connection.send_bytes}): a 4-byte big-endian length, then the payload.
 *
 * <pre>
 * payload 68 65 6c 6c 6f  ->  00 00 00 05 68 65 6c 6c 6f
 * </pre>
 *
 * <p>Small payloads are copied behind the header into one buffer (one cheap copy instead of a
 * two-part write); larger ones are written as a composite of a 4-byte header buffer and the
 * payload itself, without copying it. A Netty buffer never exceeds {@code 0x7fffffff} bytes, so
 * the long header form ({@code -1} + uint64) is never needed when sending; {@link FrameDecoder}
 * reads it. Stateless and {@link Sharable}.
 *
 * <pre>{@code
 * pipeline.addLast(new FrameDecoder(), FrameEncoder.INSTANCE);
 * channel.writeAndFlush(Unpooled.wrappedBuffer("hello".getBytes(US_ASCII)));
 * }</pre>
 */
@Sharable
public final class FrameEncoder extends MessageToMessageEncoder<ByteBuf> {
    /** The shared instance. */
    public static final FrameEncoder INSTANCE = new FrameEncoder();

    /** Payloads up to this size are copied behind their header. */
    static final int COPY_THRESHOLD = 2048;

    private FrameEncoder() {
        super(ByteBuf.class);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, ByteBuf payload, List<Object> out) {
        int length = payload.readableBytes();
        if (length <= COPY_THRESHOLD) {
            ByteBuf frame = ctx.alloc().buffer(4 + length);
            frame.writeInt(length).writeBytes(payload, payload.readerIndex(), length);
            out.add(frame);
            return;
        }
        ByteBuf header = ctx.alloc().buffer(4).writeInt(length);
        CompositeByteBuf frame = ctx.alloc().compositeBuffer(2);
        frame.addComponents(true, header, payload.retainedSlice());
        out.add(frame);
    }
}
