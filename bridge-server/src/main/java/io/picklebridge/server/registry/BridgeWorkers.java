package io.picklebridge.server.registry;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a class whose {@link Work} methods are workers named {@code group.method}.
 *
 * <pre>{@code
 * @BridgeWorkers("primes")
 * public class Primes {
 *     @Work public static long count(long below) { ... }      // worker "primes.count"
 * }
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface BridgeWorkers {
    /** The group: the part of every worker name before the dot. */
    String value();
}
