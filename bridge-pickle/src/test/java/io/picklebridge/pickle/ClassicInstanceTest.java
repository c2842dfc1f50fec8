package io.picklebridge.pickle;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Python 2 classic-class instances (pickled with INST at protocol 0, OBJ at 1 and 2) decode to
 * {@link PyObject}s of the OBJ form and are written back with OBJ, so Python 2 rebuilds them as
 * classic instances and Python 3 the same way ({@code cls(*args)}, or no {@code __init__}
 * without arguments).
 */
class ClassicInstanceTest {
    private static final String CLASSES = "class C:\n"
            + "    def __init__(self, x):\n"
            + "        self.x = x\n"
            + "class D:\n"
            + "    def __init__(self, a, b):\n"
            + "        self.a = a\n"
            + "        self.b = b\n"
            + "    def __getinitargs__(self):\n"
            + "        return (self.a, self.b)\n";

    private final PickleCodec codec = PickleCodec.defaults();

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2})
    void python2ClassicInstancesRoundTripThroughJava(int protocol) throws Exception {
        Optional<String> python2 = PythonProcess.pyenv("2.7.18");
        assumeTrue(python2.isPresent(), "Python 2.7.18 is not installed");
        byte[] pickle = run(python2.get(), "import pickle, sys\n" + CLASSES
                + "sys.stdout.write(pickle.dumps([C(5), D(1, 'two')], " + protocol + "))\n", new byte[0]);

        List<?> values = (List<?>) codec.loads(pickle);
        PyObject c = assertInstanceOf(PyObject.class, values.get(0));
        assertEquals("__main__.C", c.type().qualifiedName());
        assertEquals(PyObject.Construction.OBJ, c.construction());
        assertEquals(PyTuple.empty(), c.args());
        assertEquals(Map.of("x", 5L), c.state());
        PyObject d = assertInstanceOf(PyObject.class, values.get(1));
        assertEquals(PyObject.Construction.OBJ, d.construction());
        assertEquals(PyTuple.of(1L, "two"), d.args());

        byte[] back = codec.dumps(values, 2);
        String check = "import pickle, sys\n" + CLASSES
                + "v = pickle.loads(sys.stdin.read())\n"
                + "import types\n"
                + "ok = type(v[0]) is types.InstanceType and v[0].__class__ is C and v[0].x == 5 and v[1].__class__ is D and (v[1].a, v[1].b) == (1, 'two')\n"
                + "sys.stdout.write('ok' if ok else 'bad %r' % (v,))\n";
        assertEquals("ok", new String(run(python2.get(), check, back), StandardCharsets.UTF_8), "Python 2 loads it");
        String check3 = "import pickle, sys\n" + CLASSES
                + "v = pickle.loads(sys.stdin.buffer.read())\n"
                + "ok = type(v[0]) is C and v[0].x == 5 and type(v[1]) is D and (v[1].a, v[1].b) == (1, 'two')\n"
                + "sys.stdout.write('ok' if ok else 'bad %r' % (v,))\n";
        assertEquals("ok", new String(run(PythonProcess.PYTHON3, check3, back), StandardCharsets.UTF_8), "Python 3 loads it");
    }

    private static byte[] run(String python, String code, byte[] stdin) throws IOException, InterruptedException {
        Path in = Files.createTempFile("classic", ".in");
        Path out = Files.createTempFile("classic", ".out");
        Path err = Files.createTempFile("classic", ".err");
        try {
            Files.write(in, stdin);
            Process process = new ProcessBuilder(python, "-c", code).redirectInput(in.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                fail(python + " did not finish");
            }
            assertEquals(0, process.exitValue(), () -> python + " failed: " + readQuietly(err));
            return Files.readAllBytes(out);
        } finally {
            Files.deleteIfExists(in);
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private static String readQuietly(Path p) {
        try {
            String s = Files.readString(p);
            return s.length() > 2000 ? s.substring(s.length() - 2000) : s;
        } catch (IOException e) {
            return e.toString();
        }
    }
}
