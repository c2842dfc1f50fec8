package io.picklebridge.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.picklebridge.pickle.PickleCodec;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * One message pickled at protocol 5 with its large buffers out of band, written as one unit so
 * no other frame comes between its frames; {@link OutOfBandEncoder} (next to the frame encoder)
 * turns it into them. It is a {@link ByteBuf} (the group's payloads back to back, header
 * first, buffers not copied), so it travels wherever a pre-encoded reply frame does; its first
 * byte is {@code 0xff}, which no pickle starts with. Made by {@link #pickle}, which gives a
 * plain {@code ByteBuf} instead when no buffer was large enough.
 *
 * <pre>{@code
 * ByteBuf out = OutOfBandMessage.pickle(codec, PyTuple.of("result", id, array), 64 << 10);
 * ctx.write(out);   // an OutOfBandMessage (pickle frame + buffer frames) or one plain frame
 * }</pre>
 */
public final class OutOfBandMessage extends CompositeByteBuf {
    private final ByteBuf first;        // ff, count, pickle
    private final List<ByteBuf> buffers;

    /**
     * @param pickle  the pickle bytes (without the 5-byte header); ownership passes to this message
     * @param buffers the buffers NEXT_BUFFER refers to, in order; ownership passes too
     */
    public static OutOfBandMessage of(ByteBuf pickle, List<ByteBuf> buffers) {
        return new OutOfBandMessage(header(pickle, buffers.size()), List.copyOf(buffers));
    }

    private OutOfBandMessage(ByteBuf first, List<ByteBuf> buffers) {
        super(UnpooledByteBufAllocator.DEFAULT, false, buffers.size() + 1, components(first, buffers));
        this.first = first;
        this.buffers = buffers;
    }

    private static ByteBuf header(ByteBuf pickle, int count) {
        if (count < 1 || count > OutOfBand.MAX_BUFFERS) {
            pickle.release();
            throw new IllegalArgumentException("1 to " + OutOfBand.MAX_BUFFERS + " buffers, got " + count);
        }
        ByteBuf header = Unpooled.buffer(OutOfBand.HEADER_LENGTH).writeByte(OutOfBand.MARKER).writeInt(count);
        return Unpooled.wrappedBuffer(header, pickle);
    }

    private static List<ByteBuf> components(ByteBuf first, List<ByteBuf> buffers) {
        List<ByteBuf> all = new ArrayList<>(buffers.size() + 1);
        all.add(first);
        all.addAll(buffers);
        return all;
    }

    /**
     * Pickles a message value at protocol 5, taking out of band every writable buffer (bytearray,
     * numpy array data) of at least {@code minBufferBytes}. Read-only buffers ({@code bytes})
     * stay in band: Python would load them as memoryview instead of bytes.
     *
     * @return an {@link OutOfBandMessage}, or a plain {@link ByteBuf} holding the whole pickle
     *         when no buffer went out of band (for a message of plain values carrying a large
     *         {@code byte[]}, a direct one: see {@link LargeBytesPickle})
     */
    public static ByteBuf pickle(PickleCodec codec, Object messageValue, int minBufferBytes) {
        if (LargeBytesPickle.applies(messageValue)) { // ("result", id, bytes): no buffer to take
            return LargeBytesPickle.pickle(codec, (io.picklebridge.pickle.PyTuple) messageValue, 5);
        }
        List<ByteBuffer> taken = new ArrayList<>();
        byte[] pickle = codec.dumps(messageValue, 5, buffer -> {
            if (buffer.isReadOnly() || buffer.remaining() < minBufferBytes || taken.size() >= OutOfBand.MAX_BUFFERS) return false;
            taken.add(buffer);
            return true;
        });
        if (taken.isEmpty()) return Unpooled.wrappedBuffer(pickle);
        List<ByteBuf> buffers = new ArrayList<>(taken.size());
        for (ByteBuffer b : taken) buffers.add(Unpooled.wrappedBuffer(b));
        return of(Unpooled.wrappedBuffer(pickle), buffers);
    }

    /** Number of buffer frames after the first. */
    public int bufferCount() {
        return buffers.size();
    }

    /** The group's frame payloads, each retained once for the caller: header + pickle, then the buffers. */
    List<ByteBuf> retainedFrames() {
        List<ByteBuf> frames = new ArrayList<>(buffers.size() + 1);
        frames.add(first.retainedDuplicate());
        for (ByteBuf b : buffers) frames.add(b.retainedDuplicate());
        return frames;
    }
}
