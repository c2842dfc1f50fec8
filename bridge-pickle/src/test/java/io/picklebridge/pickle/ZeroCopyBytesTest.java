package io.picklebridge.pickle;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The opt-in {@link PickleCodec.Builder#zeroCopyBytes(int)}: large bytes decode as read-only
 * views of the input (no copy), short ones and the default codec's stay byte[], and a view
 * written back is the same bytes object for Python.
 */
class ZeroCopyBytesTest {
    private static final int LARGE = 100_000;
    private final PickleCodec views = PickleCodec.builder().zeroCopyBytes(1024).build();

    /** python3: [b'small' * 20, <100,000 bytes>] at the protocol, with the large one made by a formula. */
    private static byte[] pythonPickle(int protocol) throws Exception {
        return python("import pickle, sys\n"
                + "large = bytes((i * 7 + 3) % 256 for i in range(" + LARGE + "))\n"
                + "sys.stdout.buffer.write(pickle.dumps([b'small' * 20, large], " + protocol + "))\n", null);
    }

    private static byte[] expectedLarge() {
        byte[] b = new byte[LARGE];
        for (int i = 0; i < LARGE; i++) b[i] = (byte) ((i * 7 + 3) % 256);
        return b;
    }

    @ParameterizedTest
    @ValueSource(ints = {3, 4, 5})
    void largeBytesAreReadOnlyViewsOfTheInputArray(int protocol) throws Exception {
        byte[] pickle = pythonPickle(protocol);
        List<?> back = (List<?>) views.loads(pickle);
        assertInstanceOf(byte[].class, back.get(0), "below the threshold: a byte[]");
        ByteBuffer large = assertInstanceOf(ByteBuffer.class, back.get(1));
        assertTrue(large.isReadOnly());
        assertEquals(0, large.position());
        assertEquals(LARGE, large.remaining());
        assertEquals(ByteBuffer.wrap(expectedLarge()), large);
        // a view, not a copy: it sees the input's memory (hence the documented lifetime)
        int at = indexOf(pickle, expectedLarge());
        pickle[at] ^= 0x55;
        assertEquals((byte) (3 ^ 0x55), large.get(0));
    }

    @Test
    void theDefaultCodecStillCopiesIntoByteArrays() throws Exception {
        List<?> back = (List<?>) PickleCodec.defaults().loads(pythonPickle(5));
        assertArrayEquals(expectedLarge(), assertInstanceOf(byte[].class, back.get(1)));
    }

    @Test
    void directBuffersAndStreamsGiveViewsWithTheSameContent() throws Exception {
        byte[] pickle = pythonPickle(5);
        ByteBuffer direct = ByteBuffer.allocateDirect(pickle.length + 10);
        direct.position(10);
        direct.put(pickle);
        direct.position(10);
        ByteBuffer fromDirect = (ByteBuffer) ((List<?>) views.loads(direct)).get(1);
        assertTrue(fromDirect.isReadOnly());
        assertEquals(ByteBuffer.wrap(expectedLarge()), fromDirect);
        assertEquals(10, direct.position(), "the input buffer's position is left unchanged");
        ByteBuffer fromStream = (ByteBuffer) ((List<?>) views.load(new ByteArrayInputStream(pickle))).get(1);
        assertEquals(ByteBuffer.wrap(expectedLarge()), fromStream);
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3, 4, 5})
    void aViewIsWrittenBackAsTheSameBytes(int protocol) throws Exception {
        ByteBuffer view = (ByteBuffer) ((List<?>) views.loads(pythonPickle(5))).get(1);
        byte[] viaView = views.dumps(view, protocol);
        assertArrayEquals(PickleCodec.defaults().dumps(expectedLarge(), protocol), viaView);
        // a writable heap buffer at an array offset too
        byte[] padded = new byte[LARGE + 7];
        System.arraycopy(expectedLarge(), 0, padded, 3, LARGE);
        ByteBuffer slice = ByteBuffer.wrap(padded, 3, LARGE).slice();
        assertArrayEquals(viaView, views.dumps(slice, protocol));
        // and python3 loads it as the original bytes
        String answer = new String(python("import pickle, sys\n"
                + "v = pickle.loads(sys.stdin.buffer.read())\n"
                + "ok = type(v) is bytes and v == bytes((i * 7 + 3) % 256 for i in range(" + LARGE + "))\n"
                + "sys.stdout.write('ok' if ok else 'bad %r' % type(v))\n", viaView));
        assertEquals("ok", answer);
    }

    @Test
    void aNegativeThresholdIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> PickleCodec.builder().zeroCopyBytes(-1));
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < 16; j++) if (haystack[i + j] != needle[j]) continue outer;
            return i;
        }
        throw new AssertionError("payload not found in the pickle");
    }

    private static byte[] python(String code, byte[] stdin) throws IOException, InterruptedException {
        Path in = Files.createTempFile("zero-copy", ".in");
        Path out = Files.createTempFile("zero-copy", ".out");
        try {
            Files.write(in, stdin == null ? new byte[0] : stdin);
            Process process = new ProcessBuilder(PythonProcess.PYTHON3, "-c", code).redirectInput(in.toFile())
                    .redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                fail("python3 did not finish");
            }
            assertEquals(0, process.exitValue(), "python3 failed");
            return Files.readAllBytes(out);
        } finally {
            Files.deleteIfExists(in);
            Files.deleteIfExists(out);
        }
    }
}
