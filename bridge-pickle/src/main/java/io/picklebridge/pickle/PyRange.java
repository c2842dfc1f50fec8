package io.picklebridge.pickle;

/**
 * A Python {@code range} (Python 2 {@code xrange}). Ranges whose bounds do not fit a long
 * decode as {@link PyObject} instead.
 *
 * <pre>{@code
 * PyRange r = new PyRange(0, 10, 2);
 * r.length();           // 5
 * codec.dumps(r);       // python: range(0, 10, 2)
 * }</pre>
 *
 * @param start first value
 * @param stop  end (exclusive)
 * @param step  non-zero step
 */
public record PyRange(long start, long stop, long step) {
    public PyRange {
        if (step == 0) throw new IllegalArgumentException("range() arg 3 must not be zero");
    }

    /** Number of values, as Python's {@code len(range)} (saturating at Long.MAX_VALUE). */
    public long length() {
        if (step > 0 ? start >= stop : start <= stop) return 0;
        java.math.BigInteger span = java.math.BigInteger.valueOf(stop).subtract(java.math.BigInteger.valueOf(start));
        java.math.BigInteger s = java.math.BigInteger.valueOf(step);
        java.math.BigInteger n = span.add(s).subtract(java.math.BigInteger.valueOf(Long.signum(step))).divide(s);
        return n.bitLength() < 64 ? n.longValue() : Long.MAX_VALUE;
    }

    @Override
    public String toString() {
        return "range(" + start + ", " + stop + (step == 1 ? "" : ", " + step) + ")";
    }
}
