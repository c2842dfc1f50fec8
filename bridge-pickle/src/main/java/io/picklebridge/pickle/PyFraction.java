package io.picklebridge.pickle;

import java.math.BigInteger;
import java.util.Objects;

/**
 * A Python {@code fractions.Fraction}, kept normalised as Python keeps it: lowest terms and a
 * positive denominator.
 *
 * <pre>{@code
 * PyFraction f = new PyFraction(BigInteger.valueOf(6), BigInteger.valueOf(-8));   // -3/4
 * codec.dumps(f);                                                               // python: Fraction(-3, 4)
 * }</pre>
 *
 * @param numerator   numerator, sign carried here
 * @param denominator denominator, always positive
 */
public record PyFraction(BigInteger numerator, BigInteger denominator) {
    public PyFraction {
        Objects.requireNonNull(numerator, "numerator");
        Objects.requireNonNull(denominator, "denominator");
        if (denominator.signum() == 0) throw new ArithmeticException("Fraction(" + numerator + ", 0)");
        BigInteger g = numerator.gcd(denominator);
        if (denominator.signum() < 0) g = g.negate();
        if (!g.equals(BigInteger.ONE)) {
            numerator = numerator.divide(g);
            denominator = denominator.divide(g);
        }
    }

    public static PyFraction of(long numerator, long denominator) {
        return new PyFraction(BigInteger.valueOf(numerator), BigInteger.valueOf(denominator));
    }

    @Override
    public String toString() {
        return "Fraction(" + numerator + ", " + denominator + ")";
    }
}
