package io.picklebridge.pickle;

import java.util.Map;

/**
 * Builds a Java value for a Python global the codec was told to allow, in place of the generic
 * {@link PyObject}. Registered per codec through {@link PickleCodec.Builder#constructor}.
 *
 * <pre>{@code
 * PickleCodec codec = PickleCodec.builder()
 *     .constructor("geometry", "Point", (args, kwargs) -> new Point((Long) args.get(0), (Long) args.get(1)))
 *     .build();
 * }</pre>
 */
@FunctionalInterface
public interface ObjectConstructor {
    /** Called for REDUCE / NEWOBJ / NEWOBJ_EX of the registered global. */
    Object construct(PyTuple args, Map<String, Object> kwargs);

    /**
     * Applies BUILD state to an object this constructor made. The default refuses, so a
     * constructor for a type whose pickles carry state must override it.
     *
     * @return the object after the state was applied (may be a new instance)
     */
    default Object setState(Object constructed, Object state) {
        throw new PickleException("BUILD is not supported for " + constructed.getClass().getName());
    }
}
