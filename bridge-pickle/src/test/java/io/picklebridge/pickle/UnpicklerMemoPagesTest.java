package io.picklebridge.pickle;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * The Unpickler's memo is paged (no memo array large enough to be a G1 humongous object): memo
 * indices across many pages, a first page that grows, and far-away indices kept sparse all
 * resolve to the object stored, with sharing kept.
 */
class UnpicklerMemoPagesTest {
    private final PickleCodec codec = PickleCodec.defaults();

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4, 5})
    void pythonsMemoAcrossManyPagesKeepsSharing(int protocol) throws Exception {
        // 20,000 distinct lists, each referenced twice: the second half is all GETs of every index
        byte[] pickle = python("import pickle, sys\n"
                + "items = [[i, 's%d' % i] for i in range(20000)]\n"
                + "sys.stdout.buffer.write(pickle.dumps(items + items, " + protocol + "))\n");
        List<?> back = (List<?>) codec.loads(pickle);
        assertEquals(40_000, back.size());
        for (int i = 0; i < 20_000; i += 997) {
            assertSame(back.get(i), back.get(i + 20_000), "item " + i);
            assertEquals(List.of((long) i, "s" + i), back.get(i));
        }
        assertSame(back.get(19_999), back.get(39_999));
    }

    @Test
    void aFarIndexIsSparseAndStillFoundOnceDenseIndicesReachIt() {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.writeBytes(new byte[] {(byte) 0x80, 2, ']'});          // PROTO 2, EMPTY_LIST (the result)
        p.write('X');
        p.writeBytes(le32(3));
        p.writeBytes("far".getBytes());                          // BINUNICODE "far"
        p.write('r');
        p.writeBytes(le32(5000));                                // LONG_BINPUT 5000: far, goes sparse
        p.write('a');                                            // APPEND
        for (int i = 0; i < 3000; i++) {                         // 3000 dense entries, indices 0..2999
            p.write(']');
            p.write('r');
            p.writeBytes(le32(i));
            p.write('a');
        }
        p.write('j');
        p.writeBytes(le32(5000));                                // LONG_BINGET 5000: now inside the dense range
        p.write('a');
        p.write('j');
        p.writeBytes(le32(2999));
        p.write('a');
        p.write('j');
        p.writeBytes(le32(0));
        p.write('a');
        p.write('.');
        List<?> back = (List<?>) codec.loads(p.toByteArray());
        assertEquals(3004, back.size());
        assertEquals("far", back.get(3001));
        assertSame(back.get(3000), back.get(3002));
        assertSame(back.get(1), back.get(3003));
    }

    @Test
    void aMissingIndexInAnAllocatedPageIsAnError() {
        byte[] p = {(byte) 0x80, 2, ']', 'q', 0, 'h', 1, '.'}; // BINPUT 0, BINGET 1
        PickleException e = assertThrows(PickleException.class, () -> codec.loads(p));
        assertTrue(e.getMessage().contains("memo value not found at index 1"), e.getMessage());
    }

    private static byte[] le32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }

    private static byte[] python(String code) throws IOException, InterruptedException {
        Path out = Files.createTempFile("memo-pages", ".pickle");
        try {
            Process process = new ProcessBuilder(PythonProcess.PYTHON3, "-c", code)
                    .redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                fail("python3 did not finish");
            }
            assertEquals(0, process.exitValue(), "python3 failed");
            return Files.readAllBytes(out);
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
