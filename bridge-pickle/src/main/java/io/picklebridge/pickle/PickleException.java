package io.picklebridge.pickle;

/**
 * The one exception family of the codec. Every failure to read or write a pickle is a
 * {@code PickleException} (or a subclass) carrying, when decoding, the byte offset of the
 * opcode that failed and the opcode itself.
 *
 * <pre>{@code
 * try { codec.loads(bytes); }
 * catch (PickleException e) { log.warn("bad pickle at {}: {}", e.offset(), e.getMessage()); }
 * }</pre>
 */
public class PickleException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    /** Marker for "no offset known" (encoding side, or not yet positioned). */
    public static final long NO_OFFSET = -1;
    /** Marker for "no opcode known". */
    public static final int NO_OPCODE = -1;

    private final long offset;
    private final int opcode;

    public PickleException(String message) {
        this(message, NO_OFFSET, NO_OPCODE, null);
    }

    public PickleException(String message, long offset, int opcode) {
        this(message, offset, opcode, null);
    }

    public PickleException(String message, long offset, int opcode, Throwable cause) {
        super(describe(message, offset, opcode), cause);
        this.offset = offset;
        this.opcode = opcode;
    }

    /** Byte offset of the failing opcode in the input, or {@link #NO_OFFSET}. */
    public long offset() { return offset; }

    /** The failing opcode (0-255), or {@link #NO_OPCODE}. */
    public int opcode() { return opcode; }

    private static String describe(String message, long offset, int opcode) {
        if (offset == NO_OFFSET) return message;
        StringBuilder sb = new StringBuilder(message).append(" (at byte ").append(offset);
        if (opcode != NO_OPCODE) sb.append(", opcode ").append(Opcodes.describe(opcode));
        return sb.append(')').toString();
    }
}
