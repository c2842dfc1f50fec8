package io.picklebridge.pickle.numpy;

import io.picklebridge.pickle.ObjectConstructor;
import io.picklebridge.pickle.PickleCodec;
import io.picklebridge.pickle.PyGlobal;
import io.picklebridge.pickle.PyObject;
import io.picklebridge.pickle.PySlice;
import io.picklebridge.pickle.PyTuple;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How pandas 1.x/2.x pickle a DataFrame and a Series, both ways:
 *
 * <pre>
 * DataFrame.__new__(DataFrame) + BUILD {'_mgr': BlockManager((_unpickle_block(values2d, placement, 2), ...),
 *                                                           [columns, index]),
 *                                       '_typ': 'dataframe', '_metadata': [], 'attrs': {}, '_flags': {...}}
 * Series.__new__(Series) + BUILD {'_mgr': SingleBlockManager.__new__ + BUILD
 *                                   (axes, [values], [index], {'0.14.1': {'axes': axes, 'blocks': [{'values': v, 'mgr_locs': slice}]}}),
 *                                 '_typ': 'series', '_metadata': ['name'], ..., 'name': name}
 * Index: _new_Index(cls, {'data': ndarray, 'name': ...}) or _new_Index(RangeIndex, {'name', 'start', 'stop', 'step'})
 * </pre>
 *
 * The inner pieces decode as generic {@link PyObject} recipes (the codec's default); only the
 * frame's BUILD reads them. A frame whose pieces do not fit stays a {@code PyObject}.
 */
final class PandasRecipes {
    static final PyGlobal DATAFRAME = new PyGlobal("pandas.core.frame", "DataFrame");
    static final PyGlobal SERIES = new PyGlobal("pandas.core.series", "Series");
    static final PyGlobal BLOCK_MANAGER = new PyGlobal("pandas.core.internals.managers", "BlockManager");
    static final PyGlobal SINGLE_BLOCK_MANAGER = new PyGlobal("pandas.core.internals.managers", "SingleBlockManager");
    static final PyGlobal UNPICKLE_BLOCK = new PyGlobal("pandas._libs.internals", "_unpickle_block");
    private static final String STATE_VERSION = "0.14.1";

    private PandasRecipes() {}

    static void install(PickleCodec.Builder builder) {
        builder.constructor(DATAFRAME.module(), DATAFRAME.qualname(), new Pending(DATAFRAME));
        builder.constructor(SERIES.module(), SERIES.qualname(), new Pending(SERIES));
        builder.reducer(DataFrame.class, PandasRecipes::reduceDataFrame);
        builder.reducer(Series.class, PandasRecipes::reduceSeries);
        builder.reducer(PandasIndex.class, PandasIndex::toRecipe);
    }

    static Map<Object, Object> defaultState(String typ, List<Object> metadata) {
        Map<Object, Object> state = new LinkedHashMap<>();
        state.put("_typ", typ);
        state.put("_metadata", new ArrayList<>(metadata));
        state.put("attrs", new LinkedHashMap<>());
        Map<Object, Object> flags = new LinkedHashMap<>();
        flags.put("allows_duplicate_labels", true);
        state.put("_flags", flags);
        return state;
    }

    /** {@code cls.__new__(cls)}: the object waits for its BUILD state. */
    private static final class Pending implements ObjectConstructor {
        private final PyGlobal type;

        Pending(PyGlobal type) {
            this.type = type;
        }

        @Override
        public Object construct(PyTuple args, Map<String, Object> kwargs) {
            // NEWOBJ with no arguments is what pandas writes; anything else stays generic
            PyObject recipe = new PyObject(type, PyObject.Construction.NEWOBJ, args, kwargs.isEmpty() ? null : kwargs);
            return args.isEmpty() && kwargs.isEmpty() ? new Waiting(recipe) : recipe;
        }

        @Override
        public Object setState(Object constructed, Object state) {
            PyObject recipe = constructed instanceof Waiting w ? w.recipe : (PyObject) constructed;
            Object value = null;
            if (constructed instanceof Waiting && state instanceof Map<?, ?> map) {
                try {
                    value = type.equals(DATAFRAME) ? frame(map) : series(map);
                } catch (IllegalArgumentException | IllegalStateException | ClassCastException e) {
                    value = null; // a layout this codec does not model: keep the recipe
                }
            }
            if (value != null) return value;
            recipe.setState(state);
            return recipe;
        }
    }

    /** A frame or series created by NEWOBJ, before BUILD. */
    private record Waiting(PyObject recipe) {}

    // ------------------------------------------------------------------ decoding

    private static DataFrame frame(Map<?, ?> state) {
        if (!(state.get("_mgr") instanceof PyObject mgr) || !mgr.type().equals(BLOCK_MANAGER) || mgr.hasState()
                || mgr.args().size() != 2 || !(mgr.args().get(0) instanceof PyTuple blockRecipes)
                || !(mgr.args().get(1) instanceof List<?> axes) || axes.size() != 2) {
            return null;
        }
        List<PandasBlock> blocks = new ArrayList<>();
        for (Object b : blockRecipes) {
            if (!(b instanceof PyObject block) || !block.type().equals(UNPICKLE_BLOCK) || block.hasState() || block.args().size() != 3
                    || !(block.args().get(2) instanceof Long ndim)) {
                return null;
            }
            blocks.add(new PandasBlock(block.args().get(0), block.args().get(1), ndim));
        }
        PandasIndex columns = PandasIndex.fromPickled(axes.get(0));
        PandasIndex index = PandasIndex.fromPickled(axes.get(1));
        if (columns == null || index == null) return null;
        return new DataFrame(columns, index, blocks, extra(state, null));
    }

    private static Series series(Map<?, ?> state) {
        if (!(state.get("_mgr") instanceof PyObject mgr) || !mgr.type().equals(SINGLE_BLOCK_MANAGER)
                || !(mgr.state() instanceof PyTuple t) || t.size() < 4 || !(t.get(3) instanceof Map<?, ?> versions)
                || !(versions.get(STATE_VERSION) instanceof Map<?, ?> inner) || !(inner.get("axes") instanceof List<?> axes)
                || axes.size() != 1 || !(inner.get("blocks") instanceof List<?> blocks) || blocks.size() != 1
                || !(blocks.get(0) instanceof Map<?, ?> block) || !block.containsKey("values")) {
            return null;
        }
        PandasIndex index = PandasIndex.fromPickled(axes.get(0));
        if (index == null) return null;
        return new Series(state.get("name"), index, block.get("values"), extra(state, "name"));
    }

    private static Map<Object, Object> extra(Map<?, ?> state, String alsoDrop) {
        Map<Object, Object> out = new LinkedHashMap<>();
        state.forEach((k, v) -> {
            if (!"_mgr".equals(k) && !java.util.Objects.equals(alsoDrop, k)) out.put(k, v);
        });
        return out;
    }

    // ------------------------------------------------------------------ encoding

    static PyObject reduceDataFrame(DataFrame df) {
        List<Object> blocks = new ArrayList<>();
        for (PandasBlock b : df.blocks()) {
            blocks.add(new PyObject(UNPICKLE_BLOCK, PyObject.Construction.REDUCE, PyTuple.of(b.values(), b.placement(), b.ndim()), null));
        }
        List<Object> axes = new ArrayList<>(List.of(df.columns().toRecipe(), df.index().toRecipe()));
        PyObject mgr = new PyObject(BLOCK_MANAGER, PyObject.Construction.REDUCE, PyTuple.of(PyTuple.copyOf(blocks), axes), null);
        Map<Object, Object> state = new LinkedHashMap<>();
        state.put("_mgr", mgr);
        state.putAll(df.extraState());
        PyObject frame = new PyObject(DATAFRAME, PyObject.Construction.NEWOBJ, PyTuple.empty(), null);
        frame.setState(state);
        return frame;
    }

    static PyObject reduceSeries(Series s) {
        List<Object> axes = new ArrayList<>(List.of(s.index().toRecipe()));
        Map<Object, Object> block = new LinkedHashMap<>();
        block.put("values", s.rawValues());
        block.put("mgr_locs", new PySlice(0L, (long) s.size(), 1L));
        Map<Object, Object> inner = new LinkedHashMap<>();
        inner.put("axes", axes);
        inner.put("blocks", new ArrayList<>(List.of(block)));
        Map<Object, Object> versions = new LinkedHashMap<>();
        versions.put(STATE_VERSION, inner);
        PyObject mgr = new PyObject(SINGLE_BLOCK_MANAGER, PyObject.Construction.NEWOBJ, PyTuple.empty(), null);
        mgr.setState(PyTuple.of(axes, new ArrayList<>(List.of(s.rawValues())), new ArrayList<>(List.of(s.index().toRecipe())), versions));
        Map<Object, Object> state = new LinkedHashMap<>();
        state.put("_mgr", mgr);
        state.putAll(s.extraState());
        state.put("name", s.name());
        PyObject series = new PyObject(SERIES, PyObject.Construction.NEWOBJ, PyTuple.empty(), null);
        series.setState(state);
        return series;
    }
}
