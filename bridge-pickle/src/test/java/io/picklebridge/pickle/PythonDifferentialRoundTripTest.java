package io.picklebridge.pickle;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * Differential round trips over random object graphs: {@code roundtrip.py} builds graphs from a
 * seed (every type of the codec's table, shared parts, cycles, user classes) and pickles each at
 * a random protocol 0-5; Java decodes each and encodes it again at protocol 2, 3, 4 or 5; Python
 * loads Java's pickle and compares it with the original graph, strictly (types, nan, -0.0, dict
 * order, sharing; see {@code deep.py}).
 *
 * <p>The seed is fixed so the build is repeatable; set {@code -Dpicklebridge.seed=N} to explore
 * others, and {@code -Dpicklebridge.roundTrips=N} for more cases. Every failure message names
 * the seed, batch and case index needed to replay it.
 */
class PythonDifferentialRoundTripTest {
    private static final long SEED = Long.getLong("picklebridge.seed", 20261122L);
    private static final int CASES = Integer.getInteger("picklebridge.roundTrips", 4000);
    private static final int BATCH = 500;
    private static final PickleCodec CODEC = PickleCodec.defaults();

    @Test
    void randomGraphsComeBackEqual() {
        List<String> failures = new ArrayList<>();
        try (PythonProcess python = PythonProcess.start(PythonProcess.PYTHON3, "roundtrip.py")) {
            for (int batch = 0; batch * BATCH < CASES; batch++) {
                long seed = SEED + batch;
                int count = Math.min(BATCH, CASES - batch * BATCH);
                python.sendText("gen " + seed + " " + count);
                List<byte[]> pickles = new ArrayList<>(count);
                for (int i = 0; i < count; i++) pickles.add(python.receive());
                for (int i = 0; i < count; i++) {
                    byte[] echoed = new byte[0];
                    try {
                        Object value = CODEC.loads(pickles.get(i));
                        echoed = CODEC.dumps(value, 2 + (i % 4));
                    } catch (RuntimeException | StackOverflowError e) {
                        failures.add(where(seed, i) + " java: " + e);
                    }
                    python.send(echoed);
                }
                String report = python.receiveText();
                if (!report.isEmpty()) {
                    for (String line : report.split("\n")) {
                        String[] parts = line.split("\t", 2);
                        failures.add(where(seed, Integer.parseInt(parts[0])) + " python: " + parts[1]);
                    }
                }
            }
        }
        if (!failures.isEmpty()) {
            fail(failures.size() + " of " + CASES + " round trips differ (seed " + SEED + "; replay one with "
                    + "roundtrip.generate(seed, " + BATCH + ")[index]). By kind, with counts and up to 3 examples:\n"
                    + byKind(failures));
        }
    }

    /** Groups failures by their reason with the varying details cut off, so distinct bugs stand out. */
    private static String byKind(List<String> failures) {
        java.util.Map<String, List<String>> kinds = new java.util.LinkedHashMap<>();
        for (String failure : failures) {
            String reason = failure.substring(failure.indexOf(']') + 2);
            String kind = reason.replaceAll("\\$[^:]*:", "\\$...:").replaceAll("[0-9]+", "N");
            kind = kind.substring(0, Math.min(70, kind.length()));
            kinds.computeIfAbsent(kind, k -> new ArrayList<>()).add(failure);
        }
        StringBuilder text = new StringBuilder();
        kinds.forEach((kind, examples) -> {
            text.append("  ").append(examples.size()).append(" x ").append(kind).append('\n');
            for (String example : examples.subList(0, Math.min(3, examples.size()))) {
                text.append("      ").append(example, 0, Math.min(400, example.length())).append('\n');
            }
        });
        return text.toString();
    }

    private static String where(long seed, int index) {
        return "[seed " + seed + " case " + index + " re-encoded at protocol " + (2 + index % 4) + "]";
    }
}
