package io.picklebridge.wire;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code options_dict} of {@code call} and {@code map}: {@code {"timeout": 2.5, "star":
 * True, "stream": True}}, every key optional. Keys this version does not know are ignored when
 * reading.
 *
 * <pre>{@code
 * CallOptions options = CallOptions.NONE.withTimeout(Duration.ofSeconds(2)).withStream(true);
 * new Call(7, "primes.iterate", PyTuple.of(100L), Map.of(), options);
 * }</pre>
 *
 * @param timeout the call fails with TimeoutError after this long (positive); null for none
 * @param star    {@code map} only: each item is an args tuple ({@code starmap})
 * @param stream  {@code call} only: stream an iterator's items as {@code item} messages
 */
public record CallOptions(Duration timeout, boolean star, boolean stream) {
    /** No options: no timeout, not star, not streamed. */
    public static final CallOptions NONE = new CallOptions(null, false, false);

    public CallOptions {
        if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
    }

    public CallOptions withTimeout(Duration value) {
        return new CallOptions(value, star, stream);
    }

    public CallOptions withStar(boolean value) {
        return new CallOptions(timeout, value, stream);
    }

    public CallOptions withStream(boolean value) {
        return new CallOptions(timeout, star, value);
    }

    /** True when no option is set (a {@code call} then travels as a 5-tuple). */
    public boolean isEmpty() {
        return equals(NONE);
    }

    /** The timeout in seconds as Python's float, or null. */
    public Double timeoutSeconds() {
        return timeout == null ? null : timeout.toNanos() / 1e9;
    }

    /** The options dict, holding only the options that are set. */
    public Map<String, Object> toMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        if (timeout != null) map.put("timeout", timeoutSeconds());
        if (star) map.put("star", true);
        if (stream) map.put("stream", true);
        return map;
    }
}
