package io.picklebridge.pickle.numpy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;

/**
 * A pandas {@code DataFrame}: column names, a row index and one column per name, each a 1-d
 * {@link NdArray} view into the numpy blocks pandas pickled (no copy), or, for pandas extension
 * columns (timezone-aware datetimes, categoricals...), the column's pickle recipe. Encoding
 * writes the same block structure back, so {@code DataFrame.equals} holds in Python after a
 * round trip; a frame built in Java is written with one block per column.
 *
 * <pre>{@code
 * DataFrame df = DataFrame.builder()
 *     .column("x", NdArray.of(new double[] {1.5, 2.5}))
 *     .column("n", NdArray.of(new long[] {1, 2}))
 *     .build();                                  // RangeIndex(0, 2)
 * df.column("x").toDoubleArray();                // {1.5, 2.5}
 * codec.dumps(df);                               // pandas loads an equal DataFrame
 * }</pre>
 */
public final class DataFrame {
    private final PandasIndex columns;
    private final PandasIndex index;
    private final List<PandasBlock> blocks;
    private final Map<Object, Object> extraState;
    private final int[] blockOf;   // per column position: which block
    private final int[] rowInBlock; // per column position: which row of that block's values

    DataFrame(PandasIndex columns, PandasIndex index, List<PandasBlock> blocks, Map<Object, Object> extraState) {
        this.columns = columns;
        this.index = index;
        this.blocks = List.copyOf(blocks);
        this.extraState = extraState;
        int total = 0;
        for (PandasBlock b : blocks) total += b.positions().length;
        if (!columns.isOpaque() && columns.size() != total) {
            throw new IllegalArgumentException(columns.size() + " column names for " + total + " columns");
        }
        blockOf = new int[total];
        rowInBlock = new int[total];
        java.util.Arrays.fill(blockOf, -1);
        for (int b = 0; b < blocks.size(); b++) {
            int[] positions = blocks.get(b).positions();
            for (int j = 0; j < positions.length; j++) {
                int p = positions[j];
                if (p < 0 || p >= total || blockOf[p] >= 0) throw new IllegalArgumentException("block placements overlap or leave gaps");
                blockOf[p] = b;
                rowInBlock[p] = j;
            }
        }
    }

    /** A frame of the columns, in map order, with a {@code RangeIndex}. */
    public static DataFrame of(Map<?, NdArray> columns) {
        Builder b = builder();
        columns.forEach(b::column);
        return b.build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The column names (labels) as an index. */
    public PandasIndex columns() { return columns; }

    /** The column names, in order. */
    public List<Object> columnNames() { return columns.labels(); }

    /** The row index. */
    public PandasIndex index() { return index; }

    public int columnCount() { return blockOf.length; }

    public int rowCount() {
        for (PandasBlock b : blocks) if (b.rowCount() >= 0) return b.rowCount();
        return index.size();
    }

    /** The numpy column of that name: a 1-d view (no copy). */
    public NdArray column(Object name) {
        Object values = columnAt(position(name));
        if (values instanceof NdArray a) return a;
        throw new IllegalStateException("column " + name + " is a pandas extension array, not numpy: " + values);
    }

    /** The column at a position: an {@link NdArray}, or an extension array's pickle recipe. */
    public Object columnAt(int position) {
        java.util.Objects.checkIndex(position, blockOf.length);
        return blocks.get(blockOf[position]).column(rowInBlock[position]);
    }

    /** Column name to its {@link DType} (or, for an extension column, its recipe's type name). */
    public Map<Object, Object> dtypes() {
        Map<Object, Object> out = new LinkedHashMap<>();
        List<Object> names = columnNames();
        for (int i = 0; i < names.size(); i++) {
            Object v = columnAt(i);
            out.put(names.get(i), v instanceof NdArray a ? a.dtype() : v instanceof io.picklebridge.pickle.PyObject p ? p.type().qualifiedName() : String.valueOf(v));
        }
        return out;
    }

    /** {@code DataFrame.attrs}. */
    @SuppressWarnings("unchecked")
    public Map<Object, Object> attrs() {
        return extraState.get("attrs") instanceof Map<?, ?> m ? Collections.unmodifiableMap((Map<Object, Object>) m) : Map.of();
    }

    private int position(Object name) {
        int p = columns.positionOf(name);
        if (p < 0) throw new NoSuchElementException("no column " + name + " in " + columns);
        return p;
    }

    List<PandasBlock> blocks() { return blocks; }

    Map<Object, Object> extraState() { return extraState; }

    /** Same column names, index and column values (whatever the block layout). */
    @Override
    public boolean equals(Object o) {
        if (this == o) return true;
        if (!(o instanceof DataFrame other) || !columns.equals(other.columns) || !index.equals(other.index)
                || columnCount() != other.columnCount()) {
            return false;
        }
        for (int i = 0; i < columnCount(); i++) if (!Objects.equals(columnAt(i), other.columnAt(i))) return false;
        return true;
    }

    @Override
    public int hashCode() {
        return columns.hashCode() * 31 + rowCount();
    }

    @Override
    public String toString() {
        return "DataFrame(" + rowCount() + " rows, columns=" + (columns.isOpaque() ? columns : dtypes()) + ", index=" + index + ")";
    }

    /** Builds a frame column by column (each column a 1-d array of the same length). */
    public static final class Builder {
        private final List<Object> names = new ArrayList<>();
        private final List<NdArray> values = new ArrayList<>();
        private PandasIndex index;

        private Builder() {}

        public Builder column(Object name, NdArray column) {
            if (column.ndim() != 1) throw new IllegalArgumentException("column " + name + " must be 1-d, got shape " + NdArray.shapeString(column.shape()));
            if (!values.isEmpty() && values.get(0).size() != column.size()) {
                throw new IllegalArgumentException("column " + name + " has " + column.size() + " rows, others " + values.get(0).size());
            }
            names.add(name);
            values.add(column);
            return this;
        }

        /** The row index (default {@code RangeIndex(0, rows)}). */
        public Builder index(PandasIndex rowIndex) {
            this.index = rowIndex;
            return this;
        }

        public DataFrame build() {
            int rows = values.isEmpty() ? (index == null ? 0 : index.size()) : values.get(0).size();
            PandasIndex rowIndex = index != null ? index : PandasIndex.range(rows);
            if (!rowIndex.isOpaque() && rowIndex.size() != rows) {
                throw new IllegalArgumentException("index of " + rowIndex.size() + " labels for " + rows + " rows");
            }
            List<PandasBlock> blocks = new ArrayList<>();
            for (int i = 0; i < values.size(); i++) {
                NdArray column = values.get(i);
                blocks.add(new PandasBlock(column.reshape(1, column.size()),
                        new io.picklebridge.pickle.PySlice((long) i, (long) i + 1, 1L), 2));
            }
            return new DataFrame(PandasIndex.ofLabels(names), rowIndex, blocks, PandasRecipes.defaultState("dataframe", List.of()));
        }
    }
}
