package io.picklebridge.pickle;

import java.nio.ByteBuffer;

/**
 * Protocol 5 out-of-band buffers, as Python's {@code buffer_callback}: the Pickler offers each
 * large buffer (byte[] and primitive arrays it would otherwise copy into the pickle); returning
 * {@code true} takes it out of band (the pickle then holds only NEXT_BUFFER), {@code false}
 * keeps it in band.
 *
 * <pre>{@code
 * List<ByteBuffer> outOfBand = new ArrayList<>();
 * byte[] pickle = codec.dumps(value, 5, buffer -> outOfBand.add(buffer));
 * Object back = codec.loads(ByteBuffer.wrap(pickle), outOfBand);
 * }</pre>
 */
@FunctionalInterface
public interface BufferCallback {
    boolean offer(ByteBuffer buffer);
}
