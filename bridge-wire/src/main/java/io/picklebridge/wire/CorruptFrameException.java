package io.picklebridge.wire;

/**
 * A frame header that no {@code multiprocessing.connection} peer sends: a negative int32
 * length other than {@code -1}. The stream cannot be trusted afterwards; close the connection.
 *
 * <pre>{@code
 * // bytes ff ff ff fe ... -> CorruptFrameException("negative frame length -2 ...")
 * }</pre>
 */
public final class CorruptFrameException extends WireException {
    private static final long serialVersionUID = 1L;

    public CorruptFrameException(String message) {
        super(message);
    }

    @Override
    public boolean closesConnection() {
        return true;
    }
}
