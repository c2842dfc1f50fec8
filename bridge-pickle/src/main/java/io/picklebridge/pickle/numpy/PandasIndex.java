package io.picklebridge.pickle.numpy;

import io.picklebridge.pickle.PyGlobal;
import io.picklebridge.pickle.PyObject;

import java.util.List;
import java.util.Objects;

/**
 * A pandas {@code Index}: the row labels or column names of a {@link DataFrame}, the labels of
 * a {@link Series}. Either a {@code RangeIndex} (start, stop, step: no values stored) or labels
 * held in an {@link NdArray} (object dtype for str labels, int64, float64...). Index kinds this
 * codec does not model (DatetimeIndex, MultiIndex, CategoricalIndex...) are kept as their pickle
 * recipe: {@link #isOpaque()}, and they round-trip unchanged.
 *
 * <pre>{@code
 * PandasIndex rows = PandasIndex.range(1_000_000);
 * PandasIndex names = PandasIndex.ofLabels(List.of("a", "b"));
 * names.labels();   // ["a", "b"]
 * }</pre>
 */
public final class PandasIndex {
    static final String MODULE = "pandas.core.indexes.base";
    static final PyGlobal NEW_INDEX = new PyGlobal(MODULE, "_new_Index");
    static final PyGlobal INDEX = new PyGlobal(MODULE, "Index");
    static final PyGlobal RANGE_INDEX = new PyGlobal("pandas.core.indexes.range", "RangeIndex");

    private final PyGlobal type;
    private final Object name;
    private final NdArray values;     // null for a range or an opaque index
    private final long start, stop, step;
    private final PyObject opaque;    // the recipe of an index kind not modelled

    private PandasIndex(PyGlobal type, Object name, NdArray values, long start, long stop, long step, PyObject opaque) {
        this.type = type;
        this.name = name;
        this.values = values;
        this.start = start;
        this.stop = stop;
        this.step = step;
        this.opaque = opaque;
    }

    /** {@code RangeIndex(0, n)}, pandas' default row index. */
    public static PandasIndex range(long n) {
        return range(0, n, 1, null);
    }

    public static PandasIndex range(long start, long stop, long step, Object name) {
        if (step == 0) throw new IllegalArgumentException("step must not be zero");
        return new PandasIndex(RANGE_INDEX, name, null, start, stop, step, null);
    }

    /** An index of the given labels (int64, float64, object... as the array's dtype). */
    public static PandasIndex of(NdArray values, Object name) {
        if (values.ndim() != 1) throw new IllegalArgumentException("an index is 1-d, got shape " + NdArray.shapeString(values.shape()));
        return new PandasIndex(INDEX, name, values, 0, 0, 0, null);
    }

    /** An object-dtype index of the labels (str column names, say). */
    public static PandasIndex ofLabels(List<?> labels) {
        return of(NdArray.ofObjects(labels, labels.size()), null);
    }

    static PandasIndex withType(PyGlobal type, NdArray values, Object name) {
        return new PandasIndex(type, name, values, 0, 0, 0, null);
    }

    static PandasIndex opaque(PyObject recipe) {
        return new PandasIndex(null, null, null, 0, 0, 0, recipe);
    }

    public boolean isRange() { return values == null && opaque == null; }

    /** Whether this is an index kind kept only as its pickle recipe (no labels available). */
    public boolean isOpaque() { return opaque != null; }

    /** The recipe of an opaque index, else null. */
    public PyObject recipe() { return opaque; }

    /** The pandas class, e.g. {@code pandas.core.indexes.base.Index} or {@code ...numeric.Int64Index}. */
    public PyGlobal type() { return opaque != null ? null : type; }

    /** The index's name ({@code None}: null). */
    public Object name() { return name; }

    public long start() { return start; }
    public long stop() { return stop; }
    public long step() { return step; }

    /** Number of labels. */
    public int size() {
        if (values != null) return values.size();
        if (opaque != null) throw new IllegalStateException("an opaque index (" + opaque.type().qualifiedName() + ") has no size here");
        long n = step > 0 ? (stop - start + step - 1) / step : (start - stop - step - 1) / -step;
        return (int) Math.max(0, n);
    }

    /** The labels as an array (a range is materialized as int64). */
    public NdArray values() {
        if (values != null) return values;
        if (opaque != null) throw new IllegalStateException("an opaque index (" + opaque.type().qualifiedName() + ") has no values here");
        long[] v = new long[size()];
        for (int i = 0; i < v.length; i++) v[i] = start + i * step;
        return NdArray.of(v);
    }

    /** The labels as Java values. */
    public List<Object> labels() {
        return values().toList();
    }

    /** Position of a label, or -1. */
    int positionOf(Object label) {
        if (isRange()) {
            if (!(label instanceof Number n)) return -1;
            long v = n.longValue();
            if ((v - start) % step != 0) return -1;
            long p = (v - start) / step;
            return p >= 0 && p < size() ? (int) p : -1;
        }
        List<Object> all = labels();
        for (int i = 0; i < all.size(); i++) if (Objects.equals(all.get(i), label)) return i;
        return -1;
    }

    /** The pickle recipe pandas loads: {@code _new_Index(cls, {...})}. */
    PyObject toRecipe() {
        if (opaque != null) return opaque;
        java.util.Map<Object, Object> state = new java.util.LinkedHashMap<>();
        if (isRange()) {
            state.put("name", name);
            state.put("start", start);
            state.put("stop", stop);
            state.put("step", step);
        } else {
            state.put("data", values);
            state.put("name", name);
        }
        return new PyObject(NEW_INDEX, PyObject.Construction.REDUCE, io.picklebridge.pickle.PyTuple.of(type, state), null);
    }

    /** Reads a {@code _new_Index} recipe; anything else is kept opaque. */
    static PandasIndex fromPickled(Object o) {
        if (!(o instanceof PyObject p)) return null;
        if (p.type().equals(NEW_INDEX) && p.args().size() == 2 && p.args().get(0) instanceof PyGlobal cls
                && p.args().get(1) instanceof java.util.Map<?, ?> d && !p.hasState()) {
            if (cls.equals(RANGE_INDEX) && d.size() == 4 && d.get("start") instanceof Long a && d.get("stop") instanceof Long b
                    && d.get("step") instanceof Long c && c != 0 && d.containsKey("name")) {
                return range(a, b, c, d.get("name"));
            }
            boolean plainIndex = cls.module().equals(MODULE) && cls.qualname().equals("Index")
                    || cls.module().equals("pandas.core.indexes.numeric");
            if (plainIndex && d.size() == 2 && d.get("data") instanceof NdArray values && values.ndim() == 1 && d.containsKey("name")) {
                return withType(cls, values, d.get("name"));
            }
        }
        return opaque(p);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof PandasIndex other)) return false;
        if (opaque != null || other.opaque != null) return Objects.equals(opaque, other.opaque);
        return Objects.equals(type, other.type) && Objects.equals(name, other.name) && Objects.equals(values, other.values)
                && start == other.start && stop == other.stop && step == other.step;
    }

    @Override
    public int hashCode() {
        return Objects.hash(type, name, start, stop, step);
    }

    @Override
    public String toString() {
        if (opaque != null) return "<index " + opaque.type().qualifiedName() + ">";
        if (isRange()) return "RangeIndex(start=" + start + ", stop=" + stop + ", step=" + step + (name != null ? ", name=" + name : "") + ")";
        Object shown = values.size() <= 8 ? values.toList() : "[" + values.size() + " labels]";
        return type.qualname() + "(" + shown + ", dtype=" + values.dtype().name() + (name != null ? ", name=" + name : "") + ")";
    }
}
