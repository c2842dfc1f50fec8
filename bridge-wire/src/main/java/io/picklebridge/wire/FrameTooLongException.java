package io.picklebridge.wire;

/**
 * A frame header declared more bytes than the receiver accepts. Raised as soon as the header
 * is read, before any of the payload is buffered. The connection must be closed: the payload
 * that follows cannot be skipped safely.
 *
 * <pre>{@code
 * catch (FrameTooLongException e) { log.warn("{}", e.getMessage()); }   // "frame of 600000000 bytes ..."
 * }</pre>
 */
public final class FrameTooLongException extends WireException {
    private static final long serialVersionUID = 1L;

    private final long declaredLength;
    private final long maxFrameLength;

    /**
     * @param declaredLength the length in the header, as an unsigned value (a uint64 header
     *                       above {@link Long#MAX_VALUE} is reported as {@link Long#MAX_VALUE})
     */
    public FrameTooLongException(long declaredLength, long maxFrameLength) {
        super("frame of " + declaredLength + " bytes exceeds the maximum frame length of "
                + maxFrameLength + " bytes");
        this.declaredLength = declaredLength;
        this.maxFrameLength = maxFrameLength;
    }

    public long declaredLength() {
        return declaredLength;
    }

    public long maxFrameLength() {
        return maxFrameLength;
    }

    @Override
    public boolean closesConnection() {
        return true;
    }
}
