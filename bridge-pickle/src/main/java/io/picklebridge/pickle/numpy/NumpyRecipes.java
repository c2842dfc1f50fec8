package io.picklebridge.pickle.numpy;

import io.picklebridge.pickle.ObjectConstructor;
import io.picklebridge.pickle.PickleException;
import io.picklebridge.pickle.PyByteArray;
import io.picklebridge.pickle.PyGlobal;
import io.picklebridge.pickle.PyObject;
import io.picklebridge.pickle.PyTuple;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How numpy pickles its values, both ways. Decoding reads the globals numpy's {@code __reduce_ex__}
 * names; a form it does not understand (structured dtypes, ndarray subclasses...) stays a
 * {@link PyObject} recipe, which round-trips. Encoding writes numpy 1.x names
 * ({@code numpy.core...}), which numpy 2 also loads.
 */
final class NumpyRecipes {
    static final PyGlobal DTYPE = new PyGlobal("numpy", "dtype");
    static final PyGlobal NDARRAY = new PyGlobal("numpy", "ndarray");
    static final PyGlobal RECONSTRUCT = new PyGlobal("numpy.core.multiarray", "_reconstruct");
    static final PyGlobal SCALAR = new PyGlobal("numpy.core.multiarray", "scalar");
    static final PyGlobal FROMBUFFER = new PyGlobal("numpy.core.numeric", "_frombuffer");

    private NumpyRecipes() {}

    // ------------------------------------------------------------------ decoding

    /** {@code numpy.dtype(name, align, copy)}: the order and details come with BUILD. */
    static final ObjectConstructor DTYPE_CONSTRUCTOR = new ObjectConstructor() {
        @Override
        public Object construct(PyTuple args, Map<String, Object> kwargs) {
            if (args.isEmpty() || !(args.get(0) instanceof String name) || !kwargs.isEmpty()) return generic(DTYPE, args);
            return new PendingDType(name, args);
        }

        @Override
        public Object setState(Object constructed, Object state) {
            if (constructed instanceof PyObject o) {
                o.setState(state);
                return o;
            }
            PendingDType pending = (PendingDType) constructed;
            DType dtype = pending.resolve(state);
            if (dtype != null) return dtype;
            PyObject recipe = generic(DTYPE, pending.args);
            recipe.setState(state);
            return recipe;
        }
    };

    /** {@code _reconstruct(ndarray, (0,), b'b')} then BUILD {@code (1, shape, dtype, is_fortran, rawdata)}. */
    static final ObjectConstructor RECONSTRUCT_CONSTRUCTOR = new ObjectConstructor() {
        @Override
        public Object construct(PyTuple args, Map<String, Object> kwargs) {
            return new PendingArray(args);
        }

        @Override
        public Object setState(Object constructed, Object state) {
            PendingArray pending = (PendingArray) constructed;
            NdArray array = pending.args.size() == 3 && NDARRAY.equals(pending.args.get(0)) ? arrayFromState(state) : null;
            if (array != null) return array;
            PyObject recipe = generic(pending.global, pending.args);
            recipe.setState(state);
            return recipe;
        }
    };

    static ObjectConstructor reconstructFor(PyGlobal global) {
        return new ObjectConstructor() {
            @Override
            public Object construct(PyTuple args, Map<String, Object> kwargs) {
                PendingArray p = (PendingArray) RECONSTRUCT_CONSTRUCTOR.construct(args, kwargs);
                return new PendingArray(global, p.args);
            }

            @Override
            public Object setState(Object constructed, Object state) {
                return RECONSTRUCT_CONSTRUCTOR.setState(constructed, state);
            }
        };
    }

    /** {@code _frombuffer(buffer, dtype, shape, order)}: protocol 5, in band or out of band. */
    static ObjectConstructor frombufferFor(PyGlobal global) {
        return (args, kwargs) -> {
            if (args.size() == 4 && kwargs.isEmpty()) {
                byte[] bytes = args.get(0) instanceof PyByteArray b ? b.bytes() : args.get(0) instanceof byte[] b ? b : null;
                DType dtype = dtypeOf(args.get(1));
                int[] shape = shapeOf(args.get(2));
                Object order = args.get(3);
                if (bytes != null && dtype != null && shape != null && ("C".equals(order) || "F".equals(order))) {
                    return wrap(dtype, ByteBuffer.wrap(bytes), ((String) order).charAt(0), shape);
                }
            }
            return generic(global, args);
        };
    }

    /** {@code scalar(dtype, item_bytes)}; an object scalar is its item. */
    static ObjectConstructor scalarFor(PyGlobal global) {
        return (args, kwargs) -> {
            if (args.size() == 2 && kwargs.isEmpty()) {
                DType dtype = dtypeOf(args.get(0));
                if (dtype != null && dtype.kind() == 'O') return args.get(1);
                if (dtype != null && args.get(1) instanceof byte[] b && b.length == dtype.itemSize()) return new NumpyScalar(dtype, b);
            }
            return generic(global, args);
        };
    }

    private static NdArray arrayFromState(Object state) {
        if (!(state instanceof PyTuple t)) return null;
        int base = t.size() == 5 ? 1 : t.size() == 4 ? 0 : -1;
        if (base < 0 || (base == 1 && !Long.valueOf(1).equals(t.get(0)))) return null;
        int[] shape = shapeOf(t.get(base));
        DType dtype = dtypeOf(t.get(base + 1));
        if (shape == null || dtype == null || !(t.get(base + 2) instanceof Boolean fortran)) return null;
        Object raw = t.get(base + 3);
        if (dtype.kind() == 'O') {
            if (!(raw instanceof List<?> items)) return null;
            try {
                return NdArray.ofObjects(items, shape);
            } catch (IllegalArgumentException e) {
                throw new PickleException("numpy object array: " + e.getMessage());
            }
        }
        byte[] bytes = raw instanceof byte[] b ? b : raw instanceof PyByteArray b ? b.bytes() : null;
        if (bytes == null) return null;
        return wrap(dtype, ByteBuffer.wrap(bytes), fortran ? 'F' : 'C', shape);
    }

    private static NdArray wrap(DType dtype, ByteBuffer data, char order, int[] shape) {
        try {
            return NdArray.wrap(dtype, data, order, shape);
        } catch (IllegalArgumentException e) {
            throw new PickleException("numpy array: " + e.getMessage());
        }
    }

    static DType dtypeOf(Object o) {
        if (o instanceof DType d) return d;
        if (o instanceof PendingDType p) return p.resolve(null); // a dtype without BUILD: native order
        return null;
    }

    static int[] shapeOf(Object o) {
        if (!(o instanceof PyTuple t)) return null;
        int[] shape = new int[t.size()];
        for (int i = 0; i < shape.length; i++) {
            if (!(t.get(i) instanceof Long n) || n < 0 || n > Integer.MAX_VALUE) return null;
            shape[i] = n.intValue();
        }
        return shape;
    }

    static PyObject generic(PyGlobal global, PyTuple args) {
        return new PyObject(global, PyObject.Construction.REDUCE, args, null);
    }

    /** The result of {@code numpy.dtype(name, ...)} before its BUILD state. */
    private static final class PendingDType {
        final String name;
        final PyTuple args;

        PendingDType(String name, PyTuple args) {
            this.name = name;
            this.args = args;
        }

        /** The dtype for the state, or null when it is not a simple (unstructured) one. */
        DType resolve(Object state) {
            if (name.isEmpty()) return null;
            char kind = name.charAt(0);
            int size;
            try {
                size = name.length() == 1 ? 0 : Integer.parseInt(name.substring(1));
            } catch (NumberFormatException e) {
                return null;
            }
            if (kind == 'U') size *= 4;
            ByteOrder order = ByteOrder.LITTLE_ENDIAN;
            String unit = null;
            if (state != null) {
                if (!(state instanceof PyTuple t) || t.size() < 8 || !(t.get(1) instanceof String endian)) return null;
                if (t.get(2) != null || t.get(3) != null || t.get(4) != null) return null; // subarray or fields
                if (endian.equals(">")) order = ByteOrder.BIG_ENDIAN;
                else if (!endian.equals("<") && !endian.equals("|") && !endian.equals("=")) return null;
                if (t.get(5) instanceof Long elsize && elsize > 0) size = elsize.intValue();
                if (kind == 'M' || kind == 'm') {
                    unit = datetimeUnit(t);
                    if (unit == null) return null;
                }
            } else if (kind == 'M' || kind == 'm') {
                unit = "";
            }
            try {
                return DType.of(kind, size, order, unit);
            } catch (IllegalArgumentException e) {
                return null;
            }
        }

        private static String datetimeUnit(PyTuple state) {
            // version 4: (..., flags, ({}, (b'ns', num, 1, 1)))
            if (state.size() != 9 || !(state.get(8) instanceof PyTuple meta) || meta.size() != 2
                    || !(meta.get(1) instanceof PyTuple unit) || unit.size() != 4
                    || !(unit.get(0) instanceof byte[] name) || !Long.valueOf(1).equals(unit.get(1))) {
                return null;
            }
            String u = new String(name, java.nio.charset.StandardCharsets.US_ASCII);
            return u.equals("generic") ? "" : u;
        }
    }

    /** The result of {@code _reconstruct(...)} before its BUILD state. */
    private static final class PendingArray {
        final PyGlobal global;
        final PyTuple args;

        PendingArray(PyTuple args) {
            this(RECONSTRUCT, args);
        }

        PendingArray(PyGlobal global, PyTuple args) {
            this.global = global;
            this.args = args;
        }
    }

    // ------------------------------------------------------------------ encoding

    static PyObject reduceDType(DType d) {
        PyObject o = new PyObject(DTYPE, PyObject.Construction.REDUCE, PyTuple.of(d.pickleName(), false, true), null);
        String endian = d.order() == null ? "|" : d.order().equals(ByteOrder.BIG_ENDIAN) ? ">" : "<";
        char k = d.kind();
        long elsize = (k == 'S' || k == 'U' || k == 'V') ? d.itemSize() : -1;
        long alignment = k == 'U' ? 4 : (k == 'S' || k == 'V') ? 1 : -1;
        long flags = k == 'O' ? 63 : k == 'U' ? 8 : 0;
        if (k == 'M' || k == 'm') {
            byte[] unit = (d.unit().isEmpty() ? "generic" : d.unit()).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            PyTuple meta = PyTuple.of(new LinkedHashMap<>(), PyTuple.of(unit, 1L, 1L, 1L));
            o.setState(PyTuple.of(4L, endian, null, null, null, elsize, alignment, flags, meta));
        } else {
            o.setState(PyTuple.of(3L, endian, null, null, null, elsize, alignment, flags));
        }
        return o;
    }

    static PyObject reduceArray(NdArray a) {
        PyTuple shape = shapeTuple(a.shape());
        if (a.dtype().kind() == 'O') {
            PyObject o = new PyObject(RECONSTRUCT, PyObject.Construction.REDUCE, PyTuple.of(NDARRAY, PyTuple.of(0L), new byte[] {'b'}), null);
            o.setState(PyTuple.of(1L, shape, a.dtype(), false, new ArrayList<>(a.objects())));
            return o;
        }
        char[] order = new char[1];
        byte[] bytes = a.pickleBytes(order);
        return new PyObject(FROMBUFFER, PyObject.Construction.REDUCE,
                PyTuple.of(new PyByteArray(bytes), a.dtype(), shape, String.valueOf(order[0])), null);
    }

    static PyObject reduceScalar(NumpyScalar s) {
        return new PyObject(SCALAR, PyObject.Construction.REDUCE, PyTuple.of(s.dtype(), s.bytes()), null);
    }

    static PyTuple shapeTuple(int[] shape) {
        Object[] dims = new Object[shape.length];
        for (int i = 0; i < dims.length; i++) dims[i] = (long) shape[i];
        return PyTuple.of(dims);
    }
}
