package io.picklebridge.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.picklebridge.pickle.PickleCodec;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One message pickled at protocol 5 with its large buffers out of band: the pickle and the
 * buffers, written as one unit so no other frame comes between them; {@link OutOfBandEncoder}
 * turns it into frames. Made by {@link #pickle}, which gives a plain {@link ByteBuf} instead
 * when no buffer was large enough.
 *
 * <pre>{@code
 * Object out = OutOfBandMessage.pickle(codec, PyTuple.of("result", id, array), 64 << 10);
 * ctx.write(out);   // an OutOfBandMessage (pickle + buffer frames) or a ByteBuf (one frame)
 * }</pre>
 *
 * @param pickle  the pickle bytes (without the 5-byte header)
 * @param buffers the buffers NEXT_BUFFER refers to, in order (not copied)
 */
public record OutOfBandMessage(ByteBuf pickle, List<ByteBuf> buffers) {
    public OutOfBandMessage {
        Objects.requireNonNull(pickle, "pickle");
        buffers = List.copyOf(buffers);
        if (buffers.isEmpty() || buffers.size() > OutOfBand.MAX_BUFFERS) {
            throw new IllegalArgumentException("1 to " + OutOfBand.MAX_BUFFERS + " buffers, got " + buffers.size());
        }
    }

    /**
     * Pickles a message value at protocol 5, taking out of band every writable buffer (bytearray,
     * numpy array data) of at least {@code minBufferBytes}. Read-only buffers ({@code bytes})
     * stay in band: Python would load them as memoryview instead of bytes.
     *
     * @return an {@link OutOfBandMessage}, or a {@link ByteBuf} holding the whole pickle when no
     *         buffer went out of band
     */
    public static Object pickle(PickleCodec codec, Object messageValue, int minBufferBytes) {
        List<ByteBuffer> taken = new ArrayList<>();
        byte[] pickle = codec.dumps(messageValue, 5, buffer -> {
            if (buffer.isReadOnly() || buffer.remaining() < minBufferBytes || taken.size() >= OutOfBand.MAX_BUFFERS) return false;
            taken.add(buffer);
            return true;
        });
        if (taken.isEmpty()) return Unpooled.wrappedBuffer(pickle);
        List<ByteBuf> buffers = new ArrayList<>(taken.size());
        for (ByteBuffer b : taken) buffers.add(Unpooled.wrappedBuffer(b));
        return new OutOfBandMessage(Unpooled.wrappedBuffer(pickle), buffers);
    }

    /** Releases the pickle and the buffers (when the message is dropped unwritten). */
    public void release() {
        pickle.release();
        buffers.forEach(ByteBuf::release);
    }
}
