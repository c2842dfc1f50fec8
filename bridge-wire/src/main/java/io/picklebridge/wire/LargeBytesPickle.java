package io.picklebridge.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.picklebridge.pickle.PickleCodec;
import io.picklebridge.pickle.PyTuple;

import java.io.OutputStream;
import java.util.Arrays;

/**
 * Pickles a message such as {@code ("result", id, byte[])} straight into pooled direct memory,
 * each large {@code byte[]} copied there once: the pickle is a composite of the codec's own
 * output (opcodes, small values) and a copy of each large array, all of them direct, so the
 * socket or pipe write sends them as they are. Otherwise a 1 MiB reply is copied into a fresh
 * (zeroed) pickle array, then off the heap for the write. The bytes are exactly those of
 * {@code codec.dumps(message, protocol)}, and nothing refers to the arrays afterwards (a worker
 * may reuse its array once it has returned).
 *
 * <p>Only for messages whose items are all plain immutable values (str, int, float, bool, None,
 * bytes) with at least one large {@code byte[]}: such a message has no buffer the out-of-band
 * extension could take, so pickling it in band is what {@link OutOfBandMessage#pickle} would do.
 *
 * <pre>{@code
 * ByteBuf frame = LargeBytesPickle.applies(message) ? LargeBytesPickle.pickle(codec, message, 5)
 *                                                   : Unpooled.wrappedBuffer(codec.dumps(message, 5));
 * }</pre>
 */
final class LargeBytesPickle {
    /** A {@code byte[]} at least this long is copied on its own (the codec writes it apart from its frames). */
    static final int BY_REFERENCE = 64 * 1024;

    private LargeBytesPickle() {}

    /** Whether {@code message} is plain immutable values with at least one large {@code byte[]}. */
    static boolean applies(Object message) {
        if (!(message instanceof PyTuple tuple) || tuple.size() > 8) return false;
        boolean large = false;
        for (int i = 0; i < tuple.size(); i++) {
            Object item = tuple.get(i);
            if (item instanceof byte[] bytes) {
                large |= bytes.length >= BY_REFERENCE;
            } else if (!(item == null || item instanceof String || item instanceof Long || item instanceof Integer
                    || item instanceof Boolean || item instanceof Double)) {
                return false;
            }
        }
        return large;
    }

    /** The pickle of {@code message} as one direct buffer (a composite; the caller releases it). */
    static ByteBuf pickle(PickleCodec codec, PyTuple message, int protocol) {
        Gathering out = new Gathering(message);
        try {
            codec.dump(message, protocol, out);
            out.flushCopied();
        } catch (RuntimeException | Error e) {
            out.parts.release();
            throw e;
        }
        return out.parts;
    }

    /** Collects the codec's writes into direct buffers: each large array of the message on its own, the rest batched. */
    private static final class Gathering extends OutputStream {
        private static final ByteBufAllocator DIRECT = PooledByteBufAllocator.DEFAULT;

        final CompositeByteBuf parts = DIRECT.compositeDirectBuffer(Integer.MAX_VALUE);
        private final PyTuple message;
        private byte[] copied = new byte[256];
        private int copiedLength;

        Gathering(PyTuple message) {
            this.message = message;
        }

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] data, int offset, int length) {
            if (length >= BY_REFERENCE && isItemOfMessage(data)) {
                flushCopied();
                add(data, offset, length);
                return;
            }
            if (copied.length - copiedLength < length) {
                copied = Arrays.copyOf(copied, Math.max(copied.length * 2, copiedLength + length));
            }
            System.arraycopy(data, offset, copied, copiedLength, length);
            copiedLength += length;
        }

        private boolean isItemOfMessage(byte[] data) {
            for (int i = 0; i < message.size(); i++) {
                if (message.get(i) == data) return true;
            }
            return false;
        }

        void flushCopied() {
            if (copiedLength == 0) return;
            add(copied, 0, copiedLength);
            copiedLength = 0;
        }

        private void add(byte[] data, int offset, int length) {
            ByteBuf part = DIRECT.directBuffer(length, length);
            parts.addComponent(true, part.writeBytes(data, offset, length));
        }
    }
}
