package io.picklebridge.pickle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * Regression test for razorvine's quadratic list decoding (1M ints took 6.4 s because every
 * APPENDS batch trimmed the stack by copying): CPython pickles {@code list(range(n))} for
 * n = 100k and 1M at protocols 0 (APPEND) and 5 (APPENDS of 1000, in frames), and decoding ten times
 * more items must cost about ten times more, not a hundred.
 *
 * <p>Not a timing assertion in the usual sense: it compares the same thread's own CPU time and
 * allocated bytes between two sizes (best of several runs), with a bound of 30x between a
 * linear 10x and a quadratic 100x, so machine speed and load do not matter. Allocation must be
 * linear on every attempt; CPU gets up to three attempts, since one disturbed measurement on a
 * busy machine can look quadratic while a quadratic decoder looks quadratic every time.
 */
class PythonLargeListLinearTimeTest {
    private static final PickleCodec CODEC = PickleCodec.defaults();
    private static final int SMALL = 100_000;
    private static final int LARGE = 1_000_000;
    private static final double BOUND = 30.0;
    /** CPU time on a shared machine has outliers (a GC or a neighbour during one run); a quadratic decoder is slow every time. */
    private static final int ATTEMPTS = 3;

    @Test
    void tenTimesTheItemsCostsAboutTenTimesTheWork() {
        List<byte[]> frames = PythonProcess.runToCompletion(PythonProcess.PYTHON3, "big_lists.py",
                Integer.toString(SMALL), Integer.toString(LARGE));
        Map<String, byte[]> pickles = new LinkedHashMap<>();
        for (int i = 0; i < frames.size(); i += 2) {
            pickles.put(new String(frames.get(i), StandardCharsets.US_ASCII), frames.get(i + 1));
        }
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        StringBuilder report = new StringBuilder();
        for (int protocol : new int[] {0, 5}) {
            byte[] small = pickles.get(SMALL + " " + protocol);
            byte[] large = pickles.get(LARGE + " " + protocol);
            List<?> decoded = (List<?>) CODEC.loads(large);
            assertEquals(LARGE, decoded.size());
            assertEquals((long) (LARGE - 1), decoded.get(LARGE - 1));
            for (int warmUp = 0; warmUp < 5; warmUp++) CODEC.loads(small);
            boolean linear = false;
            for (int attempt = 1; attempt <= ATTEMPTS && !linear; attempt++) {
                System.gc();
                long[] smallCost = bestOf(threads, small, 5);
                System.gc();
                long[] largeCost = bestOf(threads, large, 3);
                double cpuRatio = (double) largeCost[0] / Math.max(1, smallCost[0]);
                double allocationRatio = (double) largeCost[1] / Math.max(1, smallCost[1]);
                report.append(String.format("protocol %d attempt %d: cpu %.1fx, allocation %.1fx; ",
                        protocol, attempt, cpuRatio, allocationRatio));
                assertTrue(allocationRatio < BOUND, report::toString);
                linear = cpuRatio < BOUND;
            }
            assertTrue(linear, report::toString);
        }
        System.out.println(report);
    }

    /** Least CPU nanoseconds and least allocated bytes of this thread over some decodes. */
    private static long[] bestOf(com.sun.management.ThreadMXBean threads, byte[] pickle, int runs) {
        long cpu = Long.MAX_VALUE;
        long allocated = Long.MAX_VALUE;
        long id = Thread.currentThread().getId();
        for (int i = 0; i < runs; i++) {
            long cpuBefore = threads.getCurrentThreadCpuTime();
            long allocatedBefore = threads.getThreadAllocatedBytes(id);
            Object value = CODEC.loads(pickle);
            cpu = Math.min(cpu, threads.getCurrentThreadCpuTime() - cpuBefore);
            allocated = Math.min(allocated, threads.getThreadAllocatedBytes(id) - allocatedBefore);
            if (value == null) throw new AssertionError();
        }
        return new long[] {cpu, allocated};
    }
}
