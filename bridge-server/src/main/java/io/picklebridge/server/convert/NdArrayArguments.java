package io.picklebridge.server.convert;

import io.picklebridge.pickle.numpy.NdArray;
import io.picklebridge.pickle.numpy.NumpyScalar;

import java.lang.reflect.Type;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;

/**
 * numpy values as worker arguments: a 1-d {@link NdArray} fills a {@code double[]},
 * {@code long[]}, {@code int[]}, {@code float[]}, {@code short[]} or {@code boolean[]}
 * parameter with its items (one copy, converted as {@link NdArray#toDoubleArray()} and friends
 * do: widening only); a {@code ByteBuffer}, {@code DoubleBuffer}, {@code LongBuffer},
 * {@code IntBuffer} or {@code FloatBuffer} parameter gets a zero-copy view of a contiguous
 * array's bytes; an {@code NdArray} parameter gets the array itself; a {@code List} (or other
 * collection) parameter gets a 1-d array's items. A {@link NumpyScalar} is a number like any other.
 *
 * <pre>{@code
 * @Work("total") public static double total(double[] xs) { ... }      // numpy.arange(5.0) -> {0,1,2,3,4}
 * @Work("first") public static double first(DoubleBuffer xs) { ... }  // a view, no copy
 * }</pre>
 */
final class NdArrayArguments {
    private NdArrayArguments() {}

    /** The argument for the parameter type, or null when this is not a numpy conversion. */
    static Object convert(NdArray a, Class<?> raw, Type target) throws ConversionException {
        try {
            if (raw == NdArray.class || raw == Object.class) return a;
            if (raw.isArray() && raw.getComponentType().isPrimitive()) {
                if (a.ndim() != 1) {
                    throw new ConversionException("expects " + PythonTypeNames.java(target) + " (a 1-d array), got a "
                            + a.ndim() + "-d numpy.ndarray", false);
                }
                if (raw == double[].class) return a.toDoubleArray();
                if (raw == long[].class) return a.toLongArray();
                if (raw == int[].class) return a.toIntArray();
                if (raw == float[].class) return a.toFloatArray();
                if (raw == short[].class) return a.toShortArray();
                if (raw == boolean[].class) return a.toBooleanArray();
                return null;
            }
            if (Iterable.class.isAssignableFrom(raw) && a.ndim() == 1) {
                return ArgumentConverter.convert(new java.util.ArrayList<>(a.toList()), target); // List<Double>...
            }
            if (Buffer.class.isAssignableFrom(raw)) {
                if (raw == ByteBuffer.class || raw == Buffer.class) return a.asByteBuffer();
                if (raw == DoubleBuffer.class) return a.asDoubleBuffer();
                if (raw == LongBuffer.class) return a.asLongBuffer();
                if (raw == IntBuffer.class) return a.asIntBuffer();
                if (raw == FloatBuffer.class) return a.asFloatBuffer();
            }
            return null;
        } catch (IllegalStateException e) {
            throw new ConversionException("expects " + PythonTypeNames.java(target) + ", got numpy.ndarray of "
                    + a.dtype().name() + ": " + e.getMessage(), false);
        } catch (ArithmeticException e) {
            throw new ConversionException("expects " + PythonTypeNames.java(target) + ", got numpy.ndarray of "
                    + a.dtype().name() + " with an item out of range (" + e.getMessage() + ")", true);
        }
    }

    /** A numpy integer or bool scalar as a long, or null when it is not one. */
    static Long integral(Object value) {
        if (value instanceof NumpyScalar s && "biu".indexOf(s.dtype().kind()) >= 0) {
            Object v = s.value();
            if (v instanceof Boolean b) return b ? 1L : 0L;
            if (v instanceof Long l) return l;
        }
        return null;
    }

    /** A numpy real scalar as a double, or null when it is not one. */
    static Double real(Object value) {
        if (value instanceof NumpyScalar s && "biuf".indexOf(s.dtype().kind()) >= 0 && s.dtype().itemSize() <= 8) {
            return s.doubleValue();
        }
        return null;
    }
}
