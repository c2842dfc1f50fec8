package io.picklebridge.pickle;

/**
 * Tells the Pickler how to write a Java type it does not know: return any value the codec can
 * encode (often a {@link PyObject} recipe naming the Python class to rebuild). Registered per
 * codec through {@link PickleCodec.Builder#reducer}.
 *
 * <pre>{@code
 * PickleCodec codec = PickleCodec.builder()
 *     .reducer(Point.class, p -> new PyObject(new PyGlobal("geometry", "Point"),
 *             PyObject.Construction.REDUCE, PyTuple.of(p.x(), p.y()), null))
 *     .build();
 * }</pre>
 */
@FunctionalInterface
public interface Reducer<T> {
    Object reduce(T value);
}
