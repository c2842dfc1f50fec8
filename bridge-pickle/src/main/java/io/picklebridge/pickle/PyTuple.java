package io.picklebridge.pickle;

import java.util.AbstractList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.RandomAccess;

/**
 * A Python {@code tuple}: an immutable list with value equality, so it can be a map key or a
 * set member exactly as in Python. Java {@link List}s encode as Python lists; only
 * {@code PyTuple} encodes as a tuple.
 *
 * <pre>{@code
 * PyTuple point = PyTuple.of(1L, 2L);
 * Map<Object, String> names = Map.of(point, "origin+1");
 * byte[] pickle = PickleCodec.defaults().dumps(point);   // python: (1, 2)
 * }</pre>
 */
public final class PyTuple extends AbstractList<Object> implements RandomAccess {
    private static final Object[] NO_ITEMS = new Object[0];
    private static final PyTuple EMPTY = new PyTuple(NO_ITEMS);

    private final Object[] items;
    private int hash; // cached; 0 means "not computed yet" (as String does)
    private String unhashable; // cached Hashability verdict: null = unknown, "" = hashable

    private PyTuple(Object[] items) {
        this.items = items;
    }

    /** The empty tuple {@code ()}. */
    public static PyTuple empty() {
        return EMPTY;
    }

    /** A tuple of the given items (the array is copied). */
    public static PyTuple of(Object... items) {
        return items.length == 0 ? EMPTY : new PyTuple(items.clone());
    }

    /** A tuple of the collection's items, in iteration order. */
    public static PyTuple copyOf(Collection<?> items) {
        return items.isEmpty() ? EMPTY : new PyTuple(items.toArray());
    }

    /**
     * Wraps an array the caller gives up ownership of: no copy. For codecs that build the
     * array themselves; the array must never be modified afterwards.
     */
    public static PyTuple wrap(Object[] ownedItems) {
        return ownedItems.length == 0 ? EMPTY : new PyTuple(ownedItems);
    }

    @Override
    public Object get(int index) {
        return items[index];
    }

    @Override
    public int size() {
        return items.length;
    }

    @Override
    public Object[] toArray() {
        return items.clone();
    }

    /** The type that makes this tuple unhashable in Python, or null; computed once. */
    String unhashableType() {
        String verdict = unhashable;
        if (verdict == null) {
            verdict = "";
            for (Object item : items) {
                String type = Hashability.unhashableType(item);
                if (type != null) {
                    verdict = type;
                    break;
                }
            }
            unhashable = verdict;
        }
        return verdict.isEmpty() ? null : verdict;
    }

    @Override
    public int hashCode() {
        int h = hash;
        if (h == 0) {
            h = Arrays.deepHashCode(items);
            hash = h;
        }
        return h;
    }

    /**
     * Value equality, as Python's tuple {@code ==}. Nested tuples are compared with an explicit
     * stack that remembers the pairs already compared, so two equal graphs of shared tuples
     * ({@code t[i] = (t[i-1], t[i-1])}) compare in linear time instead of walking every path.
     */
    @Override
    public boolean equals(Object o) {
        if (o == this) return true;
        if (!(o instanceof PyTuple other)) return false;
        return equalGraphs(this, other);
    }

    private static boolean equalGraphs(PyTuple first, PyTuple second) {
        java.util.ArrayDeque<PyTuple> work = null;
        java.util.HashSet<ComparedPair> seen = null;
        PyTuple a = first;
        PyTuple b = second;
        while (true) {
            if (a != b) {
                if (a.items.length != b.items.length) return false;
                if (a.hash != 0 && b.hash != 0 && a.hash != b.hash) return false;
                if (seen == null || seen.add(new ComparedPair(a, b))) {
                    Object[] x = a.items;
                    Object[] y = b.items;
                    for (int i = 0; i < x.length; i++) {
                        Object ex = x[i];
                        Object ey = y[i];
                        if (ex == ey) continue;
                        if (ex instanceof PyTuple tx && ey instanceof PyTuple ty) {
                            if (work == null) {
                                work = new java.util.ArrayDeque<>();
                                seen = new java.util.HashSet<>();
                                seen.add(new ComparedPair(a, b));
                            }
                            work.push(tx);
                            work.push(ty);
                        } else if (!java.util.Objects.deepEquals(ex, ey)) {
                            return false;
                        }
                    }
                }
            }
            if (work == null || work.isEmpty()) return true;
            b = work.pop();
            a = work.pop();
        }
    }

    /** Two tuples compared already, by identity. */
    private record ComparedPair(PyTuple a, PyTuple b) {
        @Override
        public boolean equals(Object o) {
            return o instanceof ComparedPair p && p.a == a && p.b == b;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(a) * 31 + System.identityHashCode(b);
        }
    }

    @Override
    public String toString() {
        if (items.length == 1) return "(" + PyRepr.of(items[0]) + ",)";
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < items.length; i++) {
            if (i > 0) sb.append(", ");
            sb.append(PyRepr.of(items[i]));
        }
        return sb.append(')').toString();
    }
}
