package io.picklebridge.pickle.numpy;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A pandas {@code Series}: a name, an index and the values, a 1-d {@link NdArray} (or, for an
 * extension dtype, the values' pickle recipe). Round-trips to an equal Series.
 *
 * <pre>{@code
 * Series s = Series.of("price", NdArray.of(new double[] {1.5, 2.5}));
 * s.values().toDoubleArray();   // {1.5, 2.5}
 * codec.dumps(s);               // pandas: Series([1.5, 2.5], name='price')
 * }</pre>
 */
public final class Series {
    private final Object name;
    private final PandasIndex index;
    private final Object values;
    private final Map<Object, Object> extraState;

    Series(Object name, PandasIndex index, Object values, Map<Object, Object> extraState) {
        this.name = name;
        this.index = Objects.requireNonNull(index, "index");
        this.values = Objects.requireNonNull(values, "values");
        this.extraState = extraState;
    }

    /** A series of the values with a {@code RangeIndex}. */
    public static Series of(Object name, NdArray values) {
        return of(name, values, PandasIndex.range(values.size()));
    }

    public static Series of(Object name, NdArray values, PandasIndex index) {
        if (values.ndim() != 1) throw new IllegalArgumentException("series values must be 1-d");
        if (!index.isOpaque() && index.size() != values.size()) {
            throw new IllegalArgumentException("index of " + index.size() + " labels for " + values.size() + " values");
        }
        return new Series(name, index, values, PandasRecipes.defaultState("series", List.of("name")));
    }

    /** The series name ({@code None}: null). */
    public Object name() { return name; }

    public PandasIndex index() { return index; }

    /** The numpy values (no copy). */
    public NdArray values() {
        if (values instanceof NdArray a) return a;
        throw new IllegalStateException("series " + name + " holds a pandas extension array, not numpy: " + values);
    }

    /** The values as pickled: an {@link NdArray} or an extension array's recipe. */
    public Object rawValues() { return values; }

    public int size() {
        return values instanceof NdArray a ? a.size() : index.size();
    }

    Map<Object, Object> extraState() { return extraState; }

    @Override
    public boolean equals(Object o) {
        return o instanceof Series s && Objects.equals(name, s.name) && index.equals(s.index) && values.equals(s.values);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, index);
    }

    @Override
    public String toString() {
        return "Series(name=" + name + ", " + values + ", index=" + index + ")";
    }
}
