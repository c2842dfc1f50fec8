package io.picklebridge.pickle;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A class whose {@code __new__} takes keyword-only arguments: at protocols 2-3 CPython writes
 * {@code functools.partial(cls.__new__, cls, *args, **kwargs)()}. That exact shape decodes to a
 * NEWOBJ_EX {@link PyObject} (nothing is called), and the Pickler writes such a PyObject the same
 * way at protocols 2-3 (NEWOBJ_EX at 4-5), so python3 rebuilds an equal object.
 */
class KeywordOnlyNewTest {
    private static final String CLASS = "class K:\n"
            + "    def __new__(cls, a, *, b):\n"
            + "        self = super().__new__(cls)\n"
            + "        self.a = a\n"
            + "        self.b = b\n"
            + "        return self\n"
            + "    def __getnewargs_ex__(self):\n"
            + "        return ((self.a,), {'b': self.b})\n"
            + "    def __eq__(self, other):\n"
            + "        return type(other) is K and (self.a, self.b) == (other.a, other.b)\n";

    private final PickleCodec codec = PickleCodec.defaults();

    @ParameterizedTest
    @ValueSource(ints = {2, 3})
    void pythonsPartialOfNewDecodesAsNewObjExAndIsWrittenBackTheSameWay(int protocol) throws Exception {
        byte[] pickle = python("import pickle, sys\n" + CLASS
                + "k = K([1, 'x'], b=2)\n"
                + "sys.stdout.buffer.write(pickle.dumps([k, k], " + protocol + "))\n", new byte[0]);
        List<?> values = (List<?>) codec.loads(pickle);
        PyObject k = assertInstanceOf(PyObject.class, values.get(0));
        assertSame(k, values.get(1), "shared object stays shared");
        assertEquals("__main__.K", k.type().qualifiedName());
        assertEquals(PyObject.Construction.NEWOBJ_EX, k.construction());
        assertEquals(PyTuple.of(List.of(1L, "x")), k.args());
        assertEquals(Map.of("b", 2L), k.kwargs());

        for (int out = 2; out <= 5; out++) {
            byte[] back = codec.dumps(values, out);
            String answer = new String(python("import pickle, pickletools, io, sys\n" + CLASS
                    + "data = sys.stdin.buffer.read()\n"
                    + "v = pickle.loads(data)\n"
                    + "text = io.StringIO()\n"
                    + "pickletools.dis(data, out=text)\n"
                    + "form = 'partial' if 'functools partial' in text.getvalue() else 'NEWOBJ_EX' if 'NEWOBJ_EX' in text.getvalue() else 'other'\n"
                    + "ok = v[0] == K([1, 'x'], b=2) and v[0] is v[1]\n"
                    + "sys.stdout.write(('ok ' if ok else 'bad ') + form)\n", back), StandardCharsets.UTF_8);
            assertEquals(out < 4 ? "ok partial" : "ok NEWOBJ_EX", answer, "written at protocol " + out);
        }
    }

    @Test
    void aPartialOfAnotherShapeIsStillRefused() {
        // functools.partial(builtins.print)() : not cls.__new__ with cls first, so not reinterpreted
        PyObject partial = new PyObject(new PyGlobal("functools", "partial"), PyObject.Construction.REDUCE,
                PyTuple.of(new PyGlobal("builtins", "print")), null);
        partial.setState(PyTuple.of(new PyGlobal("builtins", "print"), PyTuple.of("hi"), Map.of(), null));
        byte[] pickle = callWithNoArguments(codec.dumps(List.of(partial), 3));
        PickleException e = assertThrows(PickleException.class, () -> codec.loads(pickle));
        assertTrue(e.getMessage().contains("only named globals are callable"), e.getMessage());
    }

    /** The list-of-one pickle {@code p} rewritten so its item is called with no arguments. */
    private static byte[] callWithNoArguments(byte[] p) {
        // p ends with ... APPEND STOP ('a' '.'); insert EMPTY_TUPLE REDUCE before APPEND
        assertEquals('.', p[p.length - 1]);
        assertEquals('a', p[p.length - 2]);
        byte[] out = new byte[p.length + 2];
        System.arraycopy(p, 0, out, 0, p.length - 2);
        out[p.length - 2] = ')';
        out[p.length - 1] = 'R';
        out[p.length] = 'a';
        out[p.length + 1] = '.';
        return out;
    }

    private static byte[] python(String code, byte[] stdin) throws IOException, InterruptedException {
        Path in = Files.createTempFile("kwnew", ".in");
        Path out = Files.createTempFile("kwnew", ".out");
        Path err = Files.createTempFile("kwnew", ".err");
        try {
            Files.write(in, stdin);
            Process process = new ProcessBuilder(PythonProcess.PYTHON3, "-c", code).redirectInput(in.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                fail("python3 did not finish");
            }
            assertEquals(0, process.exitValue(), () -> "python3 failed: " + tail(err));
            return Files.readAllBytes(out);
        } finally {
            Files.deleteIfExists(in);
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private static String tail(Path p) {
        try {
            String s = Files.readString(p);
            return s.length() > 2000 ? s.substring(s.length() - 2000) : s;
        } catch (IOException e) {
            return e.toString();
        }
    }
}
