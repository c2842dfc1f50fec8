package io.picklebridge.server.registry;

import java.util.List;
import java.util.Map;

/**
 * A callable Java worker as the dispatcher sees it: positional and keyword arguments exactly as
 * the codec decoded them, a result the codec can encode. Most workers are written as annotated
 * methods ({@link Work}) or typed lambdas ({@link WorkerRegistry.Builder#worker(String, Class,
 * Fn1)}), which bind and convert arguments for you; implement this interface directly to see
 * the raw values.
 *
 * <pre>{@code
 * Worker length = (args, kwargs) -> ((List<?>) args.get(0)).size();
 * BridgeServer.builder().worker("list.length", length);
 * }</pre>
 */
@FunctionalInterface
public interface Worker {
    /**
     * Runs the call on a worker thread. Throw any exception: it becomes the error reply.
     * Honour interruption: a cancel, a timeout or the client disconnecting interrupts the thread.
     */
    Object call(List<Object> args, Map<String, Object> kwargs) throws Exception;

    /**
     * Runs the call with one positional argument, as a {@code map} item does. The default
     * builds the argument list; annotated methods of one parameter override it to skip the
     * general binding when the value already has the parameter's type.
     */
    default Object callWithOne(Object argument) throws Exception {
        return call(java.util.Collections.singletonList(argument), Map.of());
    }

    /** A typed worker with no parameter. */
    @FunctionalInterface
    interface Fn0<R> {
        R apply() throws Exception;
    }

    /** A typed worker with one parameter, converted from the Python value. */
    @FunctionalInterface
    interface Fn1<A, R> {
        R apply(A a) throws Exception;
    }

    /** A typed worker with two parameters. */
    @FunctionalInterface
    interface Fn2<A, B, R> {
        R apply(A a, B b) throws Exception;
    }

    /** A typed worker with three parameters. */
    @FunctionalInterface
    interface Fn3<A, B, C, R> {
        R apply(A a, B b, C c) throws Exception;
    }
}
