package io.picklebridge.server.workers;

import io.picklebridge.server.registry.BridgeWorkers;
import io.picklebridge.server.registry.Work;

import java.math.BigInteger;
import java.util.BitSet;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * Small {@code demo} workers for examples and benchmarks: a CPU-bound prime count and trivial
 * arithmetic. Always registered; cheap to load.
 *
 * <pre>{@code
 * with picklebridge.Pool() as pool:
 *     pool.map("demo.square", range(10))       # [0, 1, 4, ...]
 *     pool.apply("demo.primes_below", (10**6,)) # 78498
 * }</pre>
 */
@BridgeWorkers("demo")
public final class DemoWorkers {
    private DemoWorkers() {}

    @Work(value = "primes_below", doc = "how many primes are below n (sieve; CPU-bound)")
    public static long primesBelow(long n) throws InterruptedException {
        if (n < 0 || n > Integer.MAX_VALUE - 1L) throw new IllegalArgumentException("n must be in [0, 2**31-1), got " + n);
        if (n < 3) return 0;
        int limit = (int) n;
        BitSet composite = new BitSet(limit);
        long count = 0;
        for (int i = 2; i < limit; i++) {
            if (composite.get(i)) continue;
            count++;
            if ((long) i * i < limit) {
                for (int j = i * i; j < limit; j += i) composite.set(j);
                if (Thread.interrupted()) throw new InterruptedException("primes_below interrupted");
            }
        }
        return count;
    }

    @Work(doc = "x * x for an int (any size) or a float", inline = true)
    public static Number square(Number x) {
        if (x instanceof Long l) {
            long hi = Math.multiplyHigh(l, l);
            long lo = l * l;
            if ((hi == 0 && lo >= 0) || (hi == -1 && lo < 0)) return lo;
            return BigInteger.valueOf(l).multiply(BigInteger.valueOf(l));
        }
        if (x instanceof BigInteger b) return b.multiply(b);
        double d = x.doubleValue();
        return d * d;
    }

    @Work(doc = "|x| for an int (any size) or a float", inline = true)
    public static Number abs(Number x) {
        if (x instanceof Long l) return l == Long.MIN_VALUE ? BigInteger.valueOf(l).negate() : Math.abs(l);
        if (x instanceof BigInteger b) return b.abs();
        return Math.abs(x.doubleValue());
    }

    @Work(doc = "a + b for ints (exact) or floats", inline = true)
    public static Number add(Number a, Number b) {
        if (a instanceof Double || b instanceof Double) return a.doubleValue() + b.doubleValue();
        BigInteger sum = big(a).add(big(b));
        return sum.bitLength() < 64 ? (Number) sum.longValue() : sum;
    }

    @Work(doc = "a // b for ints; ZeroDivisionError when b == 0", inline = true)
    public static long floordiv(long a, long b) {
        return Math.floorDiv(a, b);
    }

    @Work(doc = "0, 1, ..., n-1 lazily: use with the stream option")
    public static Iterator<Long> count(long n) {
        return new Iterator<>() {
            private long next;

            @Override
            public boolean hasNext() {
                return next < n;
            }

            @Override
            public Long next() {
                if (next >= n) throw new NoSuchElementException();
                return next++;
            }
        };
    }

    private static BigInteger big(Number n) {
        return n instanceof BigInteger b ? b : BigInteger.valueOf(n.longValue());
    }
}
