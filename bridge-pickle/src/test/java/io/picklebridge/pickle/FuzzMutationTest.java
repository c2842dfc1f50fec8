package io.picklebridge.pickle;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;

/**
 * Mutation fuzzing: valid pickles (CPython's corpus at protocols 0-5 and the codec's own output)
 * are mutated (bit flips, byte insertions and deletions, truncation, length fields inflated,
 * opcodes replaced, chunks duplicated) and decoded. Whatever happens, the only thing allowed out
 * of the codec is a {@link PickleException}: any other Throwable (ClassCastException,
 * IndexOutOfBounds, OutOfMemoryError, StackOverflowError, ...) fails the property. Tight limits
 * bound the work one case can cause. jqwik reports the seed of a failing run; replay it with
 * {@code @Property(seed = "...")}.
 */
class FuzzMutationTest {
    private static final PickleCodec CODEC = PickleCodec.builder()
            .limits(PickleLimits.defaults().withMaxDepth(200).withMaxContainerLength(1 << 20)
                    .withMaxMemoSize(1 << 20).withMaxInputBytes(1 << 22))
            .build();

    /** Pickles worth mutating, loaded once per JVM. */
    private static final class Seeds {
        static final List<byte[]> ALL = load();

        private static List<byte[]> load() {
            List<byte[]> seeds = new ArrayList<>();
            for (PythonCorpus.Entry entry : PythonCorpus.read(PythonProcess.PYTHON3, "corpus.py")) {
                if (!entry.skipped() && entry.pickle().length <= 4096) seeds.add(entry.pickle());
            }
            for (var value : PythonEncodeLoadTest.CASES.values()) {
                for (int protocol = 2; protocol <= 5; protocol++) {
                    try {
                        byte[] pickle = CODEC.dumps(value.get(), protocol);
                        if (pickle.length <= 4096) seeds.add(pickle);
                    } catch (PickleException tooDeepForTheseLimits) {
                        // fine: the fuzz codec has tight limits
                    }
                }
            }
            return seeds;
        }
    }

    @Property(tries = 10_000, shrinking = ShrinkingMode.BOUNDED)
    void onlyPickleExceptionEverEscapes(@ForAll("mutants") byte[] mutant) {
        decode(mutant, mutant.length % 3);
    }

    @Provide
    Arbitrary<byte[]> mutants() {
        return Combinators.combine(Arbitraries.integers().between(0, Seeds.ALL.size() - 1), Arbitraries.longs())
                .as((index, seed) -> mutate(Seeds.ALL.get(index), new Random(seed)));
    }

    /** Decodes through one of the three input paths; lets only PickleException (and success) pass. */
    private static void decode(byte[] pickle, int path) {
        try {
            switch (path) {
                case 0 -> CODEC.loads(pickle);
                case 1 -> CODEC.loads(ByteBuffer.allocateDirect(pickle.length).put(pickle).flip());
                default -> CODEC.load(new ByteArrayInputStream(pickle));
            }
        } catch (PickleException expected) {
            if (expected.getMessage() == null || expected.getMessage().isEmpty()) {
                throw new AssertionError("a PickleException without a message", expected);
            }
        }
    }

    /** One to three random mutations of a copy of the pickle. */
    static byte[] mutate(byte[] original, Random random) {
        byte[] bytes = original.clone();
        int mutations = 1 + random.nextInt(3);
        for (int m = 0; m < mutations && bytes.length > 0; m++) {
            int at = random.nextInt(bytes.length);
            bytes = switch (random.nextInt(7)) {
                case 0 -> flipBit(bytes, at, random);
                case 1 -> insert(bytes, at, (byte) random.nextInt(256));
                case 2 -> delete(bytes, at);
                case 3 -> Arrays.copyOf(bytes, at);
                case 4 -> inflateLength(bytes, at, random);
                case 5 -> replaceWithOpcode(bytes, at, random);
                default -> duplicateChunk(bytes, at, random);
            };
        }
        return bytes;
    }

    private static byte[] flipBit(byte[] bytes, int at, Random random) {
        bytes[at] ^= (byte) (1 << random.nextInt(8));
        return bytes;
    }

    private static byte[] insert(byte[] bytes, int at, byte value) {
        byte[] longer = new byte[bytes.length + 1];
        System.arraycopy(bytes, 0, longer, 0, at);
        longer[at] = value;
        System.arraycopy(bytes, at, longer, at + 1, bytes.length - at);
        return longer;
    }

    private static byte[] delete(byte[] bytes, int at) {
        byte[] shorter = new byte[bytes.length - 1];
        System.arraycopy(bytes, 0, shorter, 0, at);
        System.arraycopy(bytes, at + 1, shorter, at, bytes.length - at - 1);
        return shorter;
    }

    /** Overwrites up to 8 bytes with a large little-endian length (2^31-1, 2^32-1, 2^63-1, -1...). */
    private static byte[] inflateLength(byte[] bytes, int at, Random random) {
        long[] lengths = {0x7fffffffL, 0xffffffffL, Long.MAX_VALUE, -1L, 0x80000000L, 1L << 40, 0xffffL, 0xff};
        long length = lengths[random.nextInt(lengths.length)];
        int width = new int[] {1, 2, 4, 8}[random.nextInt(4)];
        for (int i = 0; i < width && at + i < bytes.length; i++) bytes[at + i] = (byte) (length >>> (8 * i));
        return bytes;
    }

    /** Puts a real opcode (often a container or memo one) where data was. */
    private static byte[] replaceWithOpcode(byte[] bytes, int at, Random random) {
        byte[] opcodes = "()]}ltdsue012aRbhgjpqrc\u0081\u0082\u0085\u0086\u0087\u0088\u0089\u0090\u0091\u0092\u0093\u0094\u0095\u0096\u0097\u0098LIFJKMSTUVXBCN\u008a\u008b\u008c\u008d\u008e\u008f.".chars()
                .collect(java.io.ByteArrayOutputStream::new, (out, c) -> out.write((byte) c), (a, b) -> a.write(b.toByteArray(), 0, b.size()))
                .toByteArray();
        bytes[at] = opcodes[random.nextInt(opcodes.length)];
        return bytes;
    }

    private static byte[] duplicateChunk(byte[] bytes, int at, Random random) {
        int length = Math.min(bytes.length - at, 1 + random.nextInt(16));
        byte[] longer = new byte[bytes.length + length];
        System.arraycopy(bytes, 0, longer, 0, at + length);
        System.arraycopy(bytes, at, longer, at + length, bytes.length - at);
        return longer;
    }
}
