package io.picklebridge.client;

/**
 * A typed call's result cannot be converted to the requested Java type: the wrong kind of
 * value, or an int that does not fit ({@code 3000000000} as an {@code Integer}). The message
 * names the worker, the value's Python type and the Java type asked for.
 *
 * <pre>{@code
 * client.call(Integer.class, "sys.echo", 3_000_000_000L).join();
 * // ResultTypeException: sys.echo returned int 3000000000, which does not fit in java.lang.Integer
 * }</pre>
 */
public final class ResultTypeException extends BridgeException {
    private static final long serialVersionUID = 1L;

    public ResultTypeException(String message) {
        super(message);
    }
}
