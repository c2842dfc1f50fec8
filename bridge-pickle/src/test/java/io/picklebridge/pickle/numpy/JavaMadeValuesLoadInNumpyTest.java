package io.picklebridge.pickle.numpy;

import io.picklebridge.pickle.PythonProcess;
import io.picklebridge.pickle.PickleCodec;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Values made in Java (the {@link NdArray} factories, {@link NdArray#wrap}, scalars,
 * {@link DataFrame.Builder}, {@link Series#of}) load in real numpy/pandas equal to the Python
 * expression next to them, at protocols 2 to 5 ({@code numpy_check.py} compares).
 */
class JavaMadeValuesLoadInNumpyTest {
    private final PickleCodec codec = NumpySupport.codec();

    private static Map<String, Object> cases() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("np.array([1.5, -2.0, 3.25])", NdArray.of(1.5, -2.0, 3.25));
        c.put("np.array([1.5, 2.5], dtype='f4')", NdArray.of(1.5f, 2.5f));
        c.put("np.array([1, -2, 2**40], dtype='i8')", NdArray.of(1L, -2L, 1L << 40));
        c.put("np.array([7, -8], dtype='i4')", NdArray.of(7, -8));
        c.put("np.array([300, -4], dtype='i2')", NdArray.of((short) 300, (short) -4));
        c.put("np.array([1, -1], dtype='i1')", NdArray.of((byte) 1, (byte) -1));
        c.put("np.array([True, False])", NdArray.of(true, false));
        c.put("np.zeros(0)", NdArray.of(new double[0]));
        c.put("np.arange(6.0).reshape(2, 3)", NdArray.of(0.0, 1, 2, 3, 4, 5).reshape(2, 3));
        ByteBuffer big = ByteBuffer.allocate(24).order(ByteOrder.BIG_ENDIAN);
        big.putInt(1).putInt(2).putInt(3).putInt(4).putInt(5).putInt(6).flip();
        c.put("np.asfortranarray(np.array([[1, 3, 5], [2, 4, 6]], dtype='>i4'))",
                NdArray.wrap(DType.parse(">i4"), big, 'F', 2, 3));
        c.put("np.array([[1, 3, 5], [2, 4, 6]], dtype='>i4')",
                NdArray.wrap(DType.parse(">i4"), big, 'F', 2, 3).reshape(2, 3));
        c.put("np.array(2.5)", NdArray.of(2.5).reshape());
        c.put("np.array(['a', None, 3], dtype=object)", NdArray.ofObjects(java.util.Arrays.asList("a", null, 3L)));
        c.put("np.arange(6.0).reshape(2, 3)[1]", NdArray.of(0.0, 1, 2, 3, 4, 5).reshape(2, 3).index(1));
        c.put("np.float64(1.5)", NumpyScalar.of(1.5));
        c.put("np.float32(1.5)", NumpyScalar.of(1.5f));
        c.put("np.int64(-3)", NumpyScalar.of(-3L));
        c.put("np.int32(9)", NumpyScalar.of(9));
        c.put("np.bool_(True)", NumpyScalar.of(true));
        c.put("np.dtype('>u2')", DType.parse(">u2"));
        c.put("np.dtype('<M8[ns]')", DType.parse("<M8[ns]"));
        c.put("pd.DataFrame({'x': [1.5, 2.5], 'n': np.array([1, 2], dtype='i8'), 'ok': [True, False], 's': np.array(['a', 'b'], dtype=object)})",
                DataFrame.builder().column("x", NdArray.of(1.5, 2.5)).column("n", NdArray.of(1L, 2L))
                        .column("ok", NdArray.of(true, false)).column("s", NdArray.ofObjects(List.of("a", "b"))).build());
        c.put("pd.DataFrame({'v': np.array([3, 4], dtype='i4')}, index=pd.Index(['r1', 'r2'], name='row'))",
                DataFrame.builder().column("v", NdArray.of(3, 4))
                        .index(PandasIndex.of(NdArray.ofObjects(List.of("r1", "r2")), "row")).build());
        c.put("pd.DataFrame({'v': [0.5]}, index=[7])",
                DataFrame.builder().column("v", NdArray.of(0.5)).index(PandasIndex.of(NdArray.of(7L), null)).build());
        c.put("pd.Series([1.5, 2.5], name='price')", Series.of("price", NdArray.of(1.5, 2.5)));
        c.put("pd.Series(np.array([1, 2], dtype='i8'), index=pd.RangeIndex(10, 14, 2))",
                Series.of(null, NdArray.of(1L, 2L), PandasIndex.range(10, 14, 2, null)));
        return c;
    }

    @Test
    void javaMadeValuesLoadEqualInNumpyAndPandas() {
        NumpyPython.assumeAvailable();
        List<String> failures = new ArrayList<>();
        int checked = 0;
        try (PythonProcess python = NumpyPython.start("numpy_check.py")) {
            for (Map.Entry<String, Object> e : cases().entrySet()) {
                for (int protocol = 2; protocol <= 5; protocol++) {
                    python.send(e.getKey().getBytes(StandardCharsets.UTF_8));
                    python.send(codec.dumps(e.getValue(), protocol));
                    String answer = new String(python.receive(), StandardCharsets.UTF_8);
                    if (!answer.equals("ok")) failures.add("protocol " + protocol + ": " + answer);
                    checked++;
                }
            }
        }
        assertTrue(failures.isEmpty(), failures.size() + " of " + checked + " failed:\n" + String.join("\n", failures));
    }
}
