package io.picklebridge.pickle;

/**
 * A pickle (or a value being pickled) exceeds one of the codec's {@link PickleLimits}: too
 * many input bytes, too deep, a container or memo too large, an int with too many digits.
 *
 * <pre>{@code
 * PickleCodec strict = PickleCodec.builder().limits(PickleLimits.defaults().withMaxDepth(50)).build();
 * strict.loads(deeplyNested);   // throws PickleLimitException
 * }</pre>
 */
public class PickleLimitException extends PickleException {
    private static final long serialVersionUID = 1L;

    public PickleLimitException(String message, long offset, int opcode) {
        super(message, offset, opcode);
    }

    public PickleLimitException(String message) {
        super(message);
    }
}
