package io.picklebridge.pickle;

import java.util.LinkedHashMap;

/**
 * A Python {@code collections.Counter}: an ordered map of element to count (usually Long).
 *
 * <pre>{@code
 * PyCounter c = new PyCounter();
 * c.put("a", 2L);
 * codec.dumps(c);   // python: Counter({'a': 2})
 * }</pre>
 */
public class PyCounter extends LinkedHashMap<Object, Object> {
    private static final long serialVersionUID = 1L;

    public PyCounter() {}

    @Override
    public String toString() {
        return "Counter(" + super.toString() + ")";
    }
}
