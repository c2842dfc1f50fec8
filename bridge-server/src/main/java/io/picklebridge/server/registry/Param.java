package io.picklebridge.server.registry;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Names a worker parameter for keyword arguments, when the class was compiled without
 * {@code -parameters} or the Python name differs from the Java one.
 *
 * <pre>{@code
 * @Work public static String greet(@Param("first_name") String firstName) { ... }
 * // python: pool.apply("people.greet", kwds={"first_name": "Ada"})
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
public @interface Param {
    String value();
}
