package io.picklebridge.server;

/**
 * The server's one exception family for a call that fails before or around the worker: it
 * carries the Python exception name the client should raise. {@code ErrorReplies} reports it
 * with that {@code type} instead of looking the Java class up in the mapping table.
 *
 * <pre>{@code
 * throw new BridgeCallException("NameError", "no worker named 'sys.ech'; did you mean sys.echo?");
 * }</pre>
 */
public class BridgeCallException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String pythonType;

    public BridgeCallException(String pythonType, String message) {
        this(pythonType, message, null);
    }

    public BridgeCallException(String pythonType, String message, Throwable cause) {
        super(message, cause);
        this.pythonType = pythonType;
    }

    /** The Python exception class name for the error reply's {@code "type"}. */
    public String pythonType() {
        return pythonType;
    }
}
