package io.picklebridge.pickle.numpy;

import io.picklebridge.pickle.PickleCodec;
import io.picklebridge.pickle.PyGlobal;

/**
 * Teaches a {@link PickleCodec} numpy arrays, dtypes and scalars and pandas DataFrames and
 * Series, in both directions. Only names are read: nothing is imported or run, and whatever
 * part of a numpy or pandas pickle it does not understand stays a generic
 * {@link io.picklebridge.pickle.PyObject} recipe that round-trips.
 *
 * <table>
 * <caption>what it registers</caption>
 * <tr><td>{@code numpy.dtype}</td><td>{@link DType}</td></tr>
 * <tr><td>{@code numpy.core.multiarray._reconstruct} (+ BUILD), {@code numpy.core.numeric._frombuffer}
 *     (protocol 5, in band or out of band), also under numpy 2's {@code numpy._core}</td><td>{@link NdArray}</td></tr>
 * <tr><td>{@code numpy.core.multiarray.scalar}, {@code numpy._core.multiarray.scalar}</td><td>{@link NumpyScalar}</td></tr>
 * <tr><td>{@code pandas.core.frame.DataFrame}, {@code pandas.core.series.Series}</td><td>{@link DataFrame}, {@link Series}</td></tr>
 * </table>
 *
 * <pre>{@code
 * PickleCodec codec = NumpySupport.install(PickleCodec.builder()).build();
 * NdArray a = (NdArray) codec.loads(pickleFromNumpy);
 * byte[] back = codec.dumps(NdArray.of(new double[] {1, 2, 3}));   // numpy.array([1., 2., 3.])
 * }</pre>
 */
public final class NumpySupport {
    private static final String[] CORE_PACKAGES = {"numpy.core", "numpy._core"};

    private NumpySupport() {}

    /** Registers the constructors and reducers on the builder and returns it. */
    public static PickleCodec.Builder install(PickleCodec.Builder builder) {
        builder.constructor("numpy", "dtype", NumpyRecipes.DTYPE_CONSTRUCTOR);
        for (String core : CORE_PACKAGES) {
            PyGlobal reconstruct = new PyGlobal(core + ".multiarray", "_reconstruct");
            builder.constructor(reconstruct.module(), reconstruct.qualname(), NumpyRecipes.reconstructFor(reconstruct));
            PyGlobal scalar = new PyGlobal(core + ".multiarray", "scalar");
            builder.constructor(scalar.module(), scalar.qualname(), NumpyRecipes.scalarFor(scalar));
            PyGlobal frombuffer = new PyGlobal(core + ".numeric", "_frombuffer");
            builder.constructor(frombuffer.module(), frombuffer.qualname(), NumpyRecipes.frombufferFor(frombuffer));
        }
        builder.reducer(DType.class, NumpyRecipes::reduceDType);
        builder.reducer(NdArray.class, NumpyRecipes::reduceArray);
        builder.reducer(NumpyScalar.class, NumpyRecipes::reduceScalar);
        PandasRecipes.install(builder);
        return builder;
    }

    /** A codec with default settings plus numpy and pandas support. */
    public static PickleCodec codec() {
        return install(PickleCodec.builder()).build();
    }
}
