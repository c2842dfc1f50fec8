package io.picklebridge.pickle;

/**
 * A read cursor over one pickle: a byte array, a ByteBuffer or an InputStream. Fixed-width
 * integers are little-endian as in the pickle format (BINFLOAT is big-endian). Every read of
 * {@code n} bytes first checks that {@code n} bytes are left, so a declared length never
 * allocates more than the input holds; reads past the end throw {@link InputEnded}.
 */
abstract class PickleInput {
    /** Offset of the next byte, counted from the start of the pickle. */
    abstract long position();

    /** Bytes known to be left, or {@link Long#MAX_VALUE} when unknown (streams). */
    abstract long remaining();

    abstract int u8();

    abstract int u16();

    abstract int s32();

    abstract long s64();

    abstract double f64be();

    abstract byte[] bytes(int n);

    /**
     * {@code n} bytes as a read-only view of the input where the input is an array or a buffer
     * (no copy), or of a copy for a stream.
     */
    java.nio.ByteBuffer view(int n) {
        return java.nio.ByteBuffer.wrap(bytes(n)).asReadOnlyBuffer();
    }

    /** {@code n} bytes decoded as UTF-8 with surrogatepass (lone surrogates kept). */
    abstract String utf8(int n);

    /** {@code n} bytes, each as one char (ISO-8859-1). */
    abstract String latin1(int n);

    /** Bytes up to the next {@code '\n'} (consumed, not returned), as ISO-8859-1 chars. */
    abstract String line(int maxLength);

    /** A FRAME of {@code n} bytes starts here: a stream reads it in one go. */
    void frame(long n) {}

    /** Throws {@link InputEnded} unless {@code n} more bytes may be read. */
    final void require(long n) {
        if (n < 0 || n > remaining()) throw InputEnded.INSTANCE;
    }
}
