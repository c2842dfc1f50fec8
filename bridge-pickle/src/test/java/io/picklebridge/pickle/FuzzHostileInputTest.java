package io.picklebridge.pickle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hand-made hostile pickles: each must end in a {@link PickleException} (or, where Python would
 * accept it, a bounded value), quickly and without side effects: no OutOfMemoryError, no
 * StackOverflowError, no hang, nothing run. The {@code @Timeout}s only bound a hang so the build
 * cannot stall; they assert nothing about speed.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class FuzzHostileInputTest {
    private static final PickleCodec CODEC = PickleCodec.defaults();
    private static List<PythonCorpus.Entry> corpus;

    @BeforeAll
    static void pickleCorpus() {
        corpus = PythonCorpus.read(PythonProcess.PYTHON3, "corpus.py");
    }

    @Test
    void truncationAtEveryPositionOfEveryCorpusPickleIsAPickleException() {
        int cases = 0;
        for (PythonCorpus.Entry entry : corpus) {
            byte[] pickle = entry.pickle();
            for (int length = 0; length < pickle.length; length += step(length, pickle.length)) {
                int at = length;
                PickleException error = assertThrows(PickleException.class, () -> CODEC.loads(pickle, 0, at),
                        () -> entry + " truncated to " + at + " bytes");
                assertTrue(error.offset() == PickleException.NO_OFFSET || error.offset() <= at,
                        () -> entry + ": offset " + error.offset() + " beyond the " + at + " bytes given");
                if (length % 7 == 0) {
                    assertThrows(PickleException.class, () -> CODEC.load(new ByteArrayInputStream(pickle, 0, at)),
                            () -> entry + " truncated stream of " + at + " bytes");
                }
                cases++;
            }
        }
        assertTrue(cases > 30_000, "truncations tried: " + cases);
    }

    /** Every position of pickles up to 4 KiB; of larger ones, the first and last 512 and every 7th between. */
    private static int step(int position, int length) {
        return length <= 4096 || position < 512 || position >= length - 512 ? 1 : 7;
    }

    @Test
    void aFewBytesDeclaringHugeLengthsAllocateNothing() {
        List<byte[]> hostile = List.of(
                bytes(0x80, 4, 0x8d, 0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0),      // BINUNICODE8 2 GiB
                bytes(0x80, 4, 0x8e, 0, 0, 0, 0, 0, 0, 0, 0x40),               // BINBYTES8 2^62
                bytes(0x80, 5, 0x96, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f), // BYTEARRAY8
                bytes(0x80, 3, 'X', 0xff, 0xff, 0xff, 0x7f),                    // BINUNICODE 2 GiB
                bytes(0x80, 3, 'B', 0xff, 0xff, 0xff, 0xff),                    // BINBYTES 4 GiB - 1
                bytes(0x80, 2, 'T', 0xff, 0xff, 0xff, 0x7f),                    // BINSTRING 2 GiB
                bytes(0x80, 2, 0x8b, 0xff, 0xff, 0xff, 0x7f),                   // LONG4 of 2 GiB bytes
                bytes(0x80, 4, 0x95, 0, 0, 0, 0, 0, 1, 0, 0),                   // FRAME of 2^40 bytes
                bytes(0x80, 4, 0x95, 0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0, '.'),  // FRAME of 2 GiB
                bytes(0x80, 2, 'r', 0xff, 0xff, 0xff, 0x7f),                    // LONG_BINPUT with nothing to put
                bytes(0x80, 2, 'j', 0xff, 0xff, 0xff, 0x7f, '.'));              // LONG_BINGET of nothing
        for (byte[] pickle : hostile) {
            assertThrows(PickleException.class, () -> CODEC.loads(pickle), () -> Arrays.toString(pickle));
            assertThrows(PickleException.class, () -> CODEC.load(new ByteArrayInputStream(pickle)), () -> Arrays.toString(pickle));
        }
    }

    @Test
    void hugeDeclaredLengthsAreRefusedEvenWhenTheInputIsThere() {
        PickleCodec small = PickleCodec.builder().limits(PickleLimits.defaults().withMaxInputBytes(1 << 16)).build();
        ByteArrayOutputStream pickle = new ByteArrayOutputStream();
        pickle.writeBytes(bytes(0x80, 4, 0x8e, 0, 0, 2, 0, 0, 0, 0, 0));  // BINBYTES8 of 128 KiB
        pickle.writeBytes(new byte[1 << 17]);
        pickle.write('.');
        assertThrows(PickleException.class, () -> small.loads(pickle.toByteArray()));
    }

    @Test
    void frozensetOfNestedListsFailsFastAsUnhashable() {
        // The ~250-byte pickle that hangs razorvine: lists sharing sublists, hashed by a frozenset.
        for (int closer : new int[] {0x91 /* FROZENSET */, 0x90 /* ADDITEMS into a set */, 'u' /* SETITEMS */}) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.writeBytes(bytes(0x80, 4));
            if (closer == 0x90) out.write(0x8f);      // EMPTY_SET
            if (closer == 'u') out.write('}');        // EMPTY_DICT
            out.write('(');
            out.writeBytes(bytes(']', 'q', 0));
            for (int level = 1; level < 60; level++) {
                out.writeBytes(bytes(']', '(', 'h', level - 1, 'h', level - 1, 'e', 'q', level));
            }
            out.write(closer);
            out.write('.');
            byte[] pickle = out.toByteArray();
            assertTrue(pickle.length < 600); // 60 lists: an even count, so SETITEMS has key-value pairs
            PickleException error = assertThrows(PickleException.class, () -> CODEC.loads(pickle));
            assertTrue(error.getMessage().toLowerCase().contains("unhashable"), error.getMessage());
        }
    }

    @Test
    void frozensetOfTwoEqualTupleDagsDoesNotTakeExponentialTime() {
        // Two separately built 60-level tuple DAGs (t[i] = (t[i-1], t[i-1])): equal and hashable,
        // so a set must compare them. Naive recursive hash or equals visits 2^60 nodes.
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(bytes(0x80, 4, '('));
        for (int dag = 0; dag < 2; dag++) {
            int base = dag * 100;
            out.writeBytes(bytes(')', 'q', base, '0'));
            for (int level = 1; level < 60; level++) {
                out.writeBytes(bytes('h', base + level - 1, 'h', base + level - 1, 0x86, 'q', base + level, '0'));
            }
            out.writeBytes(bytes('h', base + 59));
        }
        out.writeBytes(bytes(0x91, '.'));
        Object value;
        try {
            value = CODEC.loads(out.toByteArray());
        } catch (PickleException refused) {
            return; // refusing is safe too
        }
        assertEquals(1, ((java.util.Set<?>) value).size(), "the two DAGs are equal, as in Python");
    }

    @Test
    void tupleEqualityDoesNotWalkEverySharedPath() {
        // The unit-sized form of the DAG hang above: t[i] = (t[i-1], t[i-1]), built twice, compared.
        // A naive recursive equals visits 2^20 leaf pairs; with shared parts remembered, a few dozen.
        AtomicLong leafComparisons = new AtomicLong();
        Object a = new CountingLeaf(leafComparisons);
        Object b = new CountingLeaf(leafComparisons);
        for (int level = 0; level < 20; level++) {
            a = PyTuple.of(a, a);
            b = PyTuple.of(b, b);
        }
        assertEquals(a.hashCode(), b.hashCode());
        assertEquals(a, b);
        assertTrue(leafComparisons.get() < 10_000, "leaf pairs compared: " + leafComparisons.get()
                + " (a hostile pickle of two 60-level DAGs in one frozenset hangs the decoder for 2^60 steps)");
    }

    /** Equal to every other CountingLeaf; counts how often it is asked. */
    private record CountingLeaf(AtomicLong comparisons) {
        @Override
        public boolean equals(Object other) {
            comparisons.incrementAndGet();
            return other instanceof CountingLeaf;
        }

        @Override
        public int hashCode() {
            return 7;
        }
    }

    @Test
    void aMillionNestedListsNeitherOverflowTheStackNorExhaustMemory() {
        int depth = 1_000_000;
        byte[] marks = new byte[2 * depth + 3];     // protocol 0: "((((...llll." builds the nesting at decode time
        Arrays.fill(marks, 0, depth, (byte) '(');
        Arrays.fill(marks, depth, 2 * depth, (byte) 'l');
        marks[2 * depth] = '.';
        byte[] pickle0 = Arrays.copyOf(marks, 2 * depth + 1);
        byte[] appends = new byte[3 + depth + depth];  // protocol 2: "]]]...aaa." appends each list into the previous
        appends[0] = (byte) 0x80;
        appends[1] = 2;
        Arrays.fill(appends, 2, 2 + depth, (byte) ']');
        Arrays.fill(appends, 2 + depth, 1 + 2 * depth, (byte) 'a');
        appends[1 + 2 * depth] = '.';
        for (byte[] pickle : List.of(pickle0, Arrays.copyOf(appends, 2 + 2 * depth))) {
            try {
                Object value = CODEC.loads(pickle);
                // Accepted: then encoding it must refuse by the depth limit, not overflow.
                assertThrows(PickleException.class, () -> CODEC.dumps(value));
            } catch (PickleException refusedByTheDepthLimit) {
                assertTrue(refusedByTheDepthLimit.getMessage().toLowerCase().contains("depth")
                        || refusedByTheDepthLimit.getMessage().toLowerCase().contains("nest"), refusedByTheDepthLimit.getMessage());
            }
        }
    }

    @Test
    void javaEncodingOfAMillionNestedListsIsRefusedByTheDepthLimit() {
        List<Object> root = new ArrayList<>();
        List<Object> current = root;
        for (int i = 0; i < 1_000_000; i++) {
            List<Object> next = new ArrayList<>();
            current.add(next);
            current = next;
        }
        assertThrows(PickleException.class, () -> CODEC.dumps(root));
    }

    @Test
    void theClassicOsSystemPickleHasNoEffectAndIsACleanError(@TempDir Path directory) {
        Path marker = directory.resolve("pwned");
        List<String> hostile = List.of(
                "cos\nsystem\n(S'touch " + marker + "'\ntR.",
                "cposix\nsystem\n(S'touch " + marker + "'\ntR.",
                "csubprocess\ncheck_output\n((S'touch'\nS'" + marker + "'\nltR.",
                "cbuiltins\neval\n(S'__import__(\"os\").system(\"touch " + marker + "\")'\ntR.",
                "c__builtin__\nexec\n(S'open(\"" + marker + "\", \"w\")'\ntR.",
                "cjava.lang\nRuntime\n)R.");
        for (String text : hostile) {
            byte[] pickle = text.getBytes(StandardCharsets.ISO_8859_1);
            PickleRefusedException error = assertThrows(PickleRefusedException.class, () -> CODEC.loads(pickle), text);
            assertTrue(error.getMessage().startsWith("refused to call "), error.getMessage());
            assertEquals(Opcodes.REDUCE, error.opcode(), error.getMessage());
            assertFalse(Files.exists(marker), () -> text + " ran a command");
        }
    }

    @Test
    void theClassicOsSystemPickleIsACleanError() {
        byte[] classic = "cos\nsystem\n(S'echo pwned'\ntR.".getBytes(StandardCharsets.US_ASCII);
        PickleException error = assertThrows(PickleException.class, () -> CODEC.loads(classic));
        assertTrue(error.getMessage().contains("os.system"), error.getMessage());
    }

    @Test
    void aRegisteredConstructorStillTakesPrecedenceOverTheRefusal() {
        PickleCodec permissive = PickleCodec.builder()
                .constructor("os", "getcwd", (args, kwargs) -> "/sandboxed")
                .build();
        assertEquals("/sandboxed", permissive.loads("cos\ngetcwd\n)R.".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void harmlessUnknownCallablesStillBecomeGenericObjects() {
        Object value = CODEC.loads("cgeometry\nPoint\n(I1\nI2\ntR.".getBytes(StandardCharsets.US_ASCII));
        assertTrue(value instanceof PyObject, String.valueOf(value));
    }

    @Test
    void extensionsAndPersistentIdsAreRefusedWithoutAResolver() {
        for (byte[] pickle : List.of(bytes(0x80, 2, 0x82, 1, '.'), bytes(0x80, 2, 0x83, 1, 0, '.'),
                bytes(0x80, 2, 0x84, 1, 0, 0, 0, '.'), "P1\n.".getBytes(StandardCharsets.US_ASCII),
                bytes(0x80, 2, 'K', 1, 'Q', '.'))) {
            PickleException error = assertThrows(PickleException.class, () -> CODEC.loads(pickle));
            assertTrue(error.opcode() != PickleException.NO_OPCODE, "opcode reported: " + error.getMessage());
        }
    }

    @Test
    void everyUnassignedOpcodeIsAPickleExceptionWithItsOffset() {
        for (int opcode = 0; opcode < 256; opcode++) {
            if (isAssigned(opcode)) continue;
            int code = opcode;
            PickleException error = assertThrows(PickleException.class, () -> CODEC.loads(bytes(0x80, 5, code, '.')));
            assertEquals(2, error.offset(), () -> "offset of opcode " + code + ": " + error.getMessage());
        }
    }

    /** Opcodes pickletools lists: the protocol 0-3 ASCII ones and 0x80-0x98. */
    private static boolean isAssigned(int opcode) {
        String ascii = "(.012FIJKLMNPQRSTUVXabcdegh" + "ijlopqrstu})]GBC";
        return (opcode >= 0x80 && opcode <= 0x98) || ascii.indexOf(opcode) >= 0;
    }

    private static byte[] bytes(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) out[i] = (byte) values[i];
        return out;
    }
}
