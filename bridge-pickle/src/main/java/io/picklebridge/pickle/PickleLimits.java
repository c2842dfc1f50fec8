package io.picklebridge.pickle;

/**
 * Bounds that keep a hostile pickle from exhausting memory, stack or time. Every length a
 * pickle declares is checked against these and against the input left before anything is
 * allocated.
 *
 * <pre>{@code
 * PickleLimits limits = PickleLimits.defaults().withMaxInputBytes(1 << 20).withMaxDepth(100);
 * PickleCodec codec = PickleCodec.builder().limits(limits).build();
 * }</pre>
 *
 * @param maxInputBytes       largest pickle accepted (bytes)
 * @param maxDepth            deepest container nesting, decoding and encoding
 * @param maxContainerLength  most items in one list, dict, set or tuple
 * @param maxMemoSize         most memo entries
 * @param maxBigIntDigits     most decimal digits in one int (CPython's int_max_str_digits idea)
 */
public record PickleLimits(long maxInputBytes, int maxDepth, int maxContainerLength, int maxMemoSize,
                           int maxBigIntDigits) {

    /** Defaults: 2 GiB input, depth 1000, 100M items per container, 100M memo entries, 4300 digits. */
    public static PickleLimits defaults() {
        return new PickleLimits(2L << 30, 1000, 100_000_000, 100_000_000, 4300);
    }

    public PickleLimits withMaxInputBytes(long value) {
        return new PickleLimits(value, maxDepth, maxContainerLength, maxMemoSize, maxBigIntDigits);
    }

    public PickleLimits withMaxDepth(int value) {
        return new PickleLimits(maxInputBytes, value, maxContainerLength, maxMemoSize, maxBigIntDigits);
    }

    public PickleLimits withMaxContainerLength(int value) {
        return new PickleLimits(maxInputBytes, maxDepth, value, maxMemoSize, maxBigIntDigits);
    }

    public PickleLimits withMaxMemoSize(int value) {
        return new PickleLimits(maxInputBytes, maxDepth, maxContainerLength, value, maxBigIntDigits);
    }

    public PickleLimits withMaxBigIntDigits(int value) {
        return new PickleLimits(maxInputBytes, maxDepth, maxContainerLength, maxMemoSize, value);
    }
}
