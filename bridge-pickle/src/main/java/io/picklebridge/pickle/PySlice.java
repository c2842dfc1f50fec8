package io.picklebridge.pickle;

/**
 * A Python {@code slice}; each part is any value (usually Long or null for None).
 *
 * <pre>{@code
 * PySlice s = new PySlice(1L, null, null);
 * codec.dumps(s);       // python: slice(1, None, None)
 * }</pre>
 *
 * @param start start, or null
 * @param stop  stop, or null
 * @param step  step, or null
 */
public record PySlice(Object start, Object stop, Object step) {
    @Override
    public String toString() {
        return "slice(" + PyRepr.of(start) + ", " + PyRepr.of(stop) + ", " + PyRepr.of(step) + ")";
    }
}
