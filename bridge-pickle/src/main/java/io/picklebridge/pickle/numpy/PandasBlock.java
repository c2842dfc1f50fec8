package io.picklebridge.pickle.numpy;

import io.picklebridge.pickle.PySlice;

/**
 * One pandas block: a 2-d array holding some of a frame's columns (one per row of the array),
 * or a 1-d extension array (datetimes with a timezone, categoricals...) holding one column, and
 * the column positions it holds ({@code slice} or int64 array), as pandas pickles them.
 */
record PandasBlock(Object values, Object placement, long ndim) {
    /** Column positions of the block, in block order. */
    int[] positions() {
        if (placement instanceof PySlice s && s.start() instanceof Long start && s.stop() instanceof Long stop) {
            long step = s.step() == null ? 1 : s.step() instanceof Long l ? l : 0;
            if (step <= 0 || start < 0 || stop < start) throw new IllegalArgumentException("unsupported block placement " + s);
            int n = (int) ((stop - start + step - 1) / step);
            int[] out = new int[n];
            for (int i = 0; i < n; i++) out[i] = (int) (start + i * step);
            return out;
        }
        if (placement instanceof NdArray a && a.ndim() == 1) return a.toIntArray();
        throw new IllegalArgumentException("unsupported block placement " + placement);
    }

    /** The column at position {@code j} of this block: a row of the 2-d values, or the whole 1-d values. */
    Object column(int j) {
        if (values instanceof NdArray a && a.ndim() == 2) return a.index(j);
        if (values instanceof NdArray a && a.ndim() == 1 && j == 0) return a;
        if (j == 0) return values;
        throw new IllegalArgumentException("block values " + values + " have no column " + j);
    }

    /** Rows of the block, or -1 when its values are not an array. */
    int rowCount() {
        if (values instanceof NdArray a) return a.ndim() == 2 ? a.shape()[1] : a.size();
        return -1;
    }
}
