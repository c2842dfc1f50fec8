package io.picklebridge.pickle.numpy;

import io.picklebridge.pickle.PythonProcess;
import io.picklebridge.pickle.PickleCodec;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real numpy 1.24 / pandas 1.5 pickles (Debian's /usr/bin/python3) decoded by the codec and
 * checked against what numpy says about them, then encoded back and loaded by numpy/pandas,
 * which compare them with the originals: every fixed-size numeric dtype and bool in both byte
 * orders, C and Fortran order, 0-d, empty, object and datetime arrays, numpy scalars,
 * DataFrames and Series; protocols 2 to 5, protocol 5 also out of band, and numpy 2's
 * {@code numpy._core} module names (rewritten in the pickle bytes). Driven by
 * {@code src/test/resources/numpy/numpy_roundtrip.py}.
 */
class NumpyRoundTripTest {
    private final PickleCodec codec = NumpySupport.codec();

    @Test
    void everyCaseDecodesAsNumpySaysAndLoadsBackEqual() {
        NumpyPython.assumeAvailable();
        List<String> failures = new ArrayList<>();
        int cases = 0;
        Map<String, Integer> kinds = new LinkedHashMap<>();
        try (PythonProcess python = NumpyPython.start("numpy_roundtrip.py")) {
            while (true) {
                Map<?, ?> meta = (Map<?, ?>) codec.loads(python.receive());
                if (meta.containsKey("done")) break;
                cases++;
                String label = (String) meta.get("case");
                kinds.merge((String) meta.get("kind"), 1, Integer::sum);
                byte[] pickle = python.receive();
                List<ByteBuffer> buffers = new ArrayList<>();
                for (long i = 0, n = (Long) meta.get("buffers"); i < n; i++) buffers.add(ByteBuffer.wrap(python.receive()));
                Object value;
                try {
                    value = codec.loads(ByteBuffer.wrap(pickle), buffers);
                    String problem = check(meta, value);
                    if (problem != null) throw new AssertionError(problem);
                } catch (RuntimeException | AssertionError e) {
                    failures.add(label + ": decode: " + e);
                    python.send(codec.dumps(Map.of("error", String.valueOf(e)), 2));
                    python.send(codec.dumps(null, 2));
                    python.receive();
                    continue;
                }
                int protocol = ((Long) meta.get("protocol")).intValue();
                List<ByteBuffer> outOfBand = new ArrayList<>();
                byte[] back = Boolean.TRUE.equals(meta.get("oob"))
                        // only writable buffers (bytearray: numpy's data) go out of band; Python would load
                        // read-only ones (bytes) as memoryview, not bytes
                        ? codec.dumps(value, 5, b -> !b.isReadOnly() && outOfBand.add(b))
                        : codec.dumps(value, protocol);
                python.send(codec.dumps(Map.of("buffers", (long) outOfBand.size()), 2));
                python.send(back);
                for (ByteBuffer b : outOfBand) python.send(b);
                String answer = new String(python.receive(), java.nio.charset.StandardCharsets.UTF_8);
                if (!answer.equals("ok")) failures.add(answer);
            }
        }
        assertTrue(failures.isEmpty(), failures.size() + " of " + cases + " cases failed:\n" + String.join("\n", failures));
        assertTrue(kinds.getOrDefault("array", 0) > 200, "too few array cases: " + kinds);
        assertTrue(kinds.getOrDefault("frame", 0) >= 40 && kinds.getOrDefault("series", 0) >= 15, "too few pandas cases: " + kinds);
    }

    private static String check(Map<?, ?> meta, Object value) {
        switch ((String) meta.get("kind")) {
            case "array" -> {
                if (!(value instanceof NdArray a)) return "not an NdArray: " + value;
                if (!a.dtype().str().equals(meta.get("dtype"))) return "dtype " + a.dtype().str() + " != " + meta.get("dtype");
                int[] shape = ((List<?>) meta.get("shape")).stream().mapToInt(d -> ((Long) d).intValue()).toArray();
                if (!Arrays.equals(a.shape(), shape)) return "shape " + Arrays.toString(a.shape()) + " != " + Arrays.toString(shape);
                if (meta.get("c_bytes") instanceof byte[] expected && !Arrays.equals(a.toBytes('C'), expected)) return "items differ: " + a;
                if (Boolean.TRUE.equals(meta.get("fortran")) && (a.isCContiguous() || !a.isFContiguous())) return "not Fortran order";
            }
            case "scalar" -> {
                if (!(value instanceof NumpyScalar s)) return "not a NumpyScalar: " + value;
                if (!s.dtype().str().equals(meta.get("dtype"))) return "dtype " + s.dtype().str() + " != " + meta.get("dtype");
                if (!Arrays.equals(s.bytes(), (byte[]) meta.get("bytes"))) return "bytes differ: " + s;
            }
            case "frame" -> {
                if (!(value instanceof DataFrame df)) return "not a DataFrame: " + value;
                List<String> names = df.columnNames().stream().map(String::valueOf).toList();
                if (!names.equals(meta.get("columns"))) return "columns " + names + " != " + meta.get("columns");
                if (df.rowCount() != (Long) meta.get("rows") && df.columnCount() > 0) return "rows " + df.rowCount();
                for (Map.Entry<?, ?> e : ((Map<?, ?>) meta.get("column_bytes")).entrySet()) {
                    int p = names.indexOf((String) e.getKey());
                    NdArray column = (NdArray) df.columnAt(p);
                    if (!Arrays.equals(column.toBytes('C'), (byte[]) e.getValue())) return "column " + e.getKey() + " differs: " + column;
                }
            }
            default -> {
                if (!(value instanceof Series s)) return "not a Series: " + value;
                if (!java.util.Objects.equals(s.name(), meta.get("name")) || s.size() != (Long) meta.get("size")) return "series " + s;
            }
        }
        return null;
    }
}
