package io.picklebridge.pickle;

import java.util.AbstractSet;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * A Python {@code frozenset}: an immutable set with value equality (and a cached hash), so it
 * can be a dict key or a set member. Mutable Java {@link Set}s encode as Python {@code set}.
 *
 * <pre>{@code
 * PyFrozenSet colours = PyFrozenSet.of("red", "green");
 * Map<Object, Long> counts = Map.of(colours, 2L);
 * codec.dumps(colours);   // python: frozenset({'red', 'green'})
 * }</pre>
 */
public final class PyFrozenSet extends AbstractSet<Object> {
    private static final PyFrozenSet EMPTY = new PyFrozenSet(Collections.emptySet());

    private final Set<Object> items;
    private int hash;
    private boolean hashed;

    private PyFrozenSet(Set<Object> items) {
        this.items = items;
    }

    public static PyFrozenSet of(Object... items) {
        return copyOf(java.util.Arrays.asList(items));
    }

    /**
     * A frozenset of the collection's items (duplicates dropped, first-seen order kept).
     *
     * @throws PickleRefusedException if an item is unhashable in Python (list, dict, set...)
     */
    public static PyFrozenSet copyOf(Collection<?> items) {
        if (items.isEmpty()) return EMPTY;
        for (Object item : items) Hashability.require(item);
        return new PyFrozenSet(Collections.unmodifiableSet(new LinkedHashSet<>(items)));
    }

    /** Takes a set the caller built and gives up; members were already checked. */
    static PyFrozenSet wrap(LinkedHashSet<Object> owned) {
        return owned.isEmpty() ? EMPTY : new PyFrozenSet(Collections.unmodifiableSet(owned));
    }

    @Override
    public Iterator<Object> iterator() {
        return items.iterator();
    }

    @Override
    public int size() {
        return items.size();
    }

    @Override
    public boolean contains(Object o) {
        return items.contains(o);
    }

    @Override
    public int hashCode() {
        if (!hashed) {
            hash = items.hashCode();
            hashed = true;
        }
        return hash;
    }

    @Override
    public String toString() {
        if (items.isEmpty()) return "frozenset()";
        StringBuilder sb = new StringBuilder("frozenset({");
        boolean first = true;
        for (Object item : items) {
            if (!first) sb.append(", ");
            first = false;
            sb.append(PyRepr.of(item));
        }
        return sb.append("})").toString();
    }
}
