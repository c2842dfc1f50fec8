package io.picklebridge.pickle;

/**
 * A Python {@code complex}.
 *
 * <pre>{@code
 * PyComplex z = (PyComplex) codec.loads(pickleOf_1_plus_2j);   // PyComplex[real=1.0, imag=2.0]
 * codec.dumps(new PyComplex(0, -1));                          // python: -1j
 * }</pre>
 *
 * @param real the real part
 * @param imag the imaginary part
 */
public record PyComplex(double real, double imag) {
    @Override
    public String toString() {
        return "(" + real + (imag < 0 || (imag == 0 && 1 / imag < 0) ? "" : "+") + imag + "j)";
    }
}
