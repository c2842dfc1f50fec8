package io.picklebridge.wire;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.picklebridge.pickle.PickleCodec;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Groups an out-of-band message's frames back into one {@link Message}: a frame starting with
 * {@code 0xff} announces how many buffer frames follow; once they have arrived the pickle is
 * decoded with them ({@code PickleCodec.loads(pickle, buffers)}) and the message goes on, past
 * the {@link MessageCodec} (which lets decoded messages through). Other frames pass untouched.
 *
 * <pre>
 * ff 00 00 00 02 80 05 ... 2e   header: 2 buffers follow, then the pickle
 * &lt;1 MiB&gt;                        buffer 0 (copied once, from the network buffer into a byte[] the value keeps)
 * &lt;64 KiB&gt;                       buffer 1
 *   -> Call("sys.echo", (ndarray,)) whose array wraps buffer 0's byte[]
 * </pre>
 *
 * <p>A bad group (header shorter than 5 bytes, a count of 0 or above the limit, a pickle that
 * does not decode with its buffers) is consumed whole, buffer frames included, and reported
 * as a {@link ProtocolException} through {@code exceptionCaught}; the connection stays usable.
 * One instance per channel.
 */
public final class OutOfBandDecoder extends ChannelInboundHandlerAdapter {
    private final PickleCodec codec;
    private final int maxBuffers;

    private long expected;           // buffer frames still to come for the current group
    private ByteBuf pickle;          // the current group's pickle, null when refused
    private List<ByteBuffer> buffers;
    private String refused;          // why the current group is being skipped, or null

    /** @param maxBuffers most buffers one message may announce; a larger count is refused (and skipped) */
    public OutOfBandDecoder(PickleCodec codec, int maxBuffers) {
        this.codec = codec;
        this.maxBuffers = maxBuffers;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf frame)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (expected > 0) {
            buffer(ctx, frame);
        } else if (frame.isReadable() && frame.getUnsignedByte(frame.readerIndex()) == OutOfBand.MARKER) {
            header(ctx, frame);
        } else {
            ctx.fireChannelRead(frame);
        }
    }

    private void header(ChannelHandlerContext ctx, ByteBuf frame) {
        try {
            if (frame.readableBytes() < OutOfBand.HEADER_LENGTH) {
                ctx.fireExceptionCaught(new ProtocolException("out-of-band header of " + frame.readableBytes()
                        + " bytes: it needs 0xff and a uint32 buffer count"));
                return;
            }
            long count = frame.getUnsignedInt(frame.readerIndex() + 1);
            if (count == 0) {
                ctx.fireExceptionCaught(new ProtocolException("out-of-band header announces 0 buffers"));
                return;
            }
            expected = count;
            if (count > maxBuffers) {
                refused = "out-of-band message with " + count + " buffers (at most " + maxBuffers + ")";
                return;
            }
            pickle = frame.retainedSlice(frame.readerIndex() + OutOfBand.HEADER_LENGTH,
                    frame.readableBytes() - OutOfBand.HEADER_LENGTH);
            buffers = new ArrayList<>((int) count);
        } finally {
            frame.release();
        }
    }

    private void buffer(ChannelHandlerContext ctx, ByteBuf frame) {
        try {
            if (refused == null) {
                // the one copy: out of the network buffer into an array the decoded value may keep
                byte[] bytes = new byte[frame.readableBytes()];
                frame.getBytes(frame.readerIndex(), bytes);
                buffers.add(ByteBuffer.wrap(bytes));
            }
        } finally {
            frame.release();
        }
        if (--expected == 0) complete(ctx);
    }

    private void complete(ChannelHandlerContext ctx) {
        String reason = refused;
        ByteBuf p = pickle;
        List<ByteBuffer> b = buffers;
        refused = null;
        pickle = null;
        buffers = null;
        if (reason != null) {
            ctx.fireExceptionCaught(new ProtocolException(reason));
            return;
        }
        Message message;
        try {
            Object value;
            try {
                value = codec.loads(p.nioBuffer(), b);
            } catch (RuntimeException e) {
                throw new ProtocolException("not a usable out-of-band pickle: " + e.getMessage(), null, null, e);
            }
            message = Messages.fromPickleValue(value);
        } catch (ProtocolException e) {
            ctx.fireExceptionCaught(e);
            return;
        } finally {
            p.release();
        }
        ctx.fireChannelRead(message);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (pickle != null) {
            pickle.release();
            pickle = null;
        }
    }
}
