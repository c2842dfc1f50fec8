package io.picklebridge.pickle;

/**
 * Internal signal from a {@link PickleInput}: the input ended (or a declared length is larger
 * than what is left). The Unpickler turns it into a {@link PickleTruncatedException} that names
 * the opcode; a shared instance without a stack trace keeps truncation cheap.
 */
final class InputEnded extends RuntimeException {
    private static final long serialVersionUID = 1L;
    static final InputEnded INSTANCE = new InputEnded();

    private InputEnded() {
        super("pickle data was truncated", null, false, false);
    }
}
