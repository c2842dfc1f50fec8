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
}
