package io.picklebridge.server.registry;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** Test workers: statics, an instance method with state, varargs, a named parameter. */
@BridgeWorkers("geo")
public class Geometry {
    private final AtomicLong calls = new AtomicLong();

    @Work(doc = "area of a w x h rectangle")
    public static double area(double width, double height) {
        return width * height;
    }

    @Work("sum")
    public static long total(long... values) {
        long sum = 0;
        for (long v : values) sum += v;
        return sum;
    }

    @Work
    public static int length(List<String> words, @Param("extra_count") int extra) {
        return words.size() + extra;
    }

    @Work
    public long counted() {
        return calls.incrementAndGet();
    }

    public static int notAWorker() {
        return 0;
    }
}
