package io.picklebridge.server.convert;

/**
 * A value that does not fit a Java type. Thrown by {@link ArgumentConverter}; the parameter
 * binder adds the worker and parameter names and turns it into a {@code TypeError} (or
 * {@code OverflowError} for an int out of range) reply.
 *
 * <pre>{@code
 * try { ArgumentConverter.convert("x", double.class); }
 * catch (ConversionException e) { e.getMessage(); }   // "expects double, got str"
 * }</pre>
 */
public final class ConversionException extends Exception {
    private static final long serialVersionUID = 1L;

    private final boolean overflow;

    ConversionException(String message, boolean overflow) {
        super(message, null, false, false);
        this.overflow = overflow;
    }

    /** True when the value had the right kind but was out of range (an int too large). */
    public boolean overflow() {
        return overflow;
    }
}
