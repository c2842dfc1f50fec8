package io.picklebridge.server.registry;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a method of a {@link BridgeWorkers} class as a worker. Static methods are called as
 * they are; instance methods on one shared instance (made with the public no-argument
 * constructor, or the instance given to the registry), so they must be thread-safe.
 *
 * <pre>{@code
 * @Work("below") public static long countBelow(long n) { ... }   // "primes.below"
 * @Work public static double mean(double... xs) { ... }           // "primes.mean", varargs
 * @Work(inline = true) public static long twice(long x) { ... }  // runs on the event loop
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Work {
    /** The name after the group's dot; default: the method's name. */
    String value() default "";

    /** One line for {@code sys.workers()}. */
    String doc() default "";

    /**
     * Run the call on the event loop that read it and write the reply at once, instead of
     * handing it to a worker thread and back (two thread wake-ups less per call). Only for
     * work that never blocks and takes microseconds: while it runs, the connection's event
     * loop (and every other connection on it) waits, and it cannot be interrupted by a cancel
     * or a timeout. Map chunks and streamed calls still run on the worker threads.
     */
    boolean inline() default false;
}
