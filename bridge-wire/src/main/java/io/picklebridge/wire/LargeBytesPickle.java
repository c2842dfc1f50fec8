package io.picklebridge.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.picklebridge.pickle.PickleCodec;
import io.picklebridge.pickle.PyTuple;

import java.io.OutputStream;
import java.util.Arrays;

/**
 * Pickles a message such as {@code ("result", id, byte[])} whose large {@code byte[]} items
 * become part of the frame by reference: the pickle is a composite of the codec's own output
 * (opcodes, small values; copied) and each large array itself (not copied), as CPython's
 * pickler hands large {@code bytes} to its file. A 1 MiB reply is then copied once, into the
 * socket's buffer, instead of into a fresh pickle array first. The bytes are exactly those of
 * {@code codec.dumps(message, protocol)}.
 *
 * <p>Only for messages whose items are all plain immutable values (str, int, float, bool, None,
 * bytes) with at least one large {@code byte[]}: such a message has no buffer the out-of-band
 * extension could take, so pickling it in band is what {@link OutOfBandMessage#pickle} would do.
 * The arrays must not change until the frame is written (a worker's result is not touched again).
 *
 * <pre>{@code
 * ByteBuf frame = LargeBytesPickle.applies(message) ? LargeBytesPickle.pickle(codec, message, 5)
 *                                                   : Unpooled.wrappedBuffer(codec.dumps(message, 5));
 * }</pre>
 */
final class LargeBytesPickle {
    /** A {@code byte[]} at least this long is taken by reference (the codec writes it apart from its frames). */
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

    /** The pickle of {@code message} as one buffer: the codec's output copied, large arrays wrapped. */
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

    /** Collects the codec's writes: the message's own large arrays by reference, anything else copied. */
    private static final class Gathering extends OutputStream {
        final CompositeByteBuf parts = Unpooled.compositeBuffer(Integer.MAX_VALUE);
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
                parts.addComponent(true, Unpooled.wrappedBuffer(data, offset, length));
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
            parts.addComponent(true, Unpooled.wrappedBuffer(copied, 0, copiedLength));
            copied = new byte[Math.max(256, Math.min(copied.length, 4096))];
            copiedLength = 0;
        }
    }
}
