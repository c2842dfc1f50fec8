package io.picklebridge.pickle;

/**
 * The input ended before the pickle's STOP opcode, or a declared length runs past the end of
 * the input.
 *
 * <pre>{@code
 * try { return codec.loads(partOfAPickle); }
 * catch (PickleTruncatedException e) { return null; }   // wait for more bytes
 * }</pre>
 */
public class PickleTruncatedException extends PickleException {
    private static final long serialVersionUID = 1L;

    public PickleTruncatedException(String message, long offset, int opcode) {
        super(message, offset, opcode);
    }
}
