package io.picklebridge.server.registry;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A {@link Work} method as a {@link Worker}: binds arguments by position and by parameter name
 * ({@link Param}, else the compiled name), converts them, invokes, and rethrows what the method
 * threw (not the reflection wrapper).
 *
 * <pre>{@code
 * Worker add = MethodWorker.of("math.add", Math.class.getMethod("addExact", long.class, long.class), null);
 * add.call(List.of(1L, 2L), Map.of());   // 3L
 * }</pre>
 */
final class MethodWorker implements Worker {
    private final Method method;
    private final Object target;
    private final MethodHandle invoker; // (Object[]) -> Object, target bound; null: use reflection
    private final ParameterBinder binder;
    private final String signature;

    private MethodWorker(Method method, Object target, ParameterBinder binder, String signature) {
        this.method = method;
        this.target = target;
        this.invoker = invoker(method, target);
        this.binder = binder;
        this.signature = signature;
    }

    /**
     * A handle taking the bound argument array, made once per worker: no per-call reflection
     * checks or wrapping, and the method's own exceptions come out as they are.
     */
    private static MethodHandle invoker(Method method, Object target) {
        try {
            MethodHandle handle = MethodHandles.lookup().unreflect(method).asFixedArity();
            if (!Modifier.isStatic(method.getModifiers())) handle = handle.bindTo(target);
            return handle.asSpreader(Object[].class, method.getParameterCount())
                    .asType(MethodType.methodType(Object.class, Object[].class));
        } catch (IllegalAccessException | RuntimeException inaccessible) {
            return null; // reflection, which setAccessible may still open
        }
    }

    static MethodWorker of(String name, Method method, Object target) {
        if (!Modifier.isStatic(method.getModifiers()) && target == null) {
            throw new IllegalArgumentException("instance method " + method + " needs an instance");
        }
        try {
            method.setAccessible(true);
        } catch (RuntimeException inaccessible) {
            // public methods of exported packages still work without it
        }
        List<ParameterBinder.Parameter> parameters = new ArrayList<>();
        java.lang.reflect.Parameter[] declared = method.getParameters();
        for (java.lang.reflect.Parameter p : declared) {
            Param named = p.getAnnotation(Param.class);
            parameters.add(new ParameterBinder.Parameter(named != null ? named.value() : p.getName(),
                    p.getParameterizedType()));
        }
        ParameterBinder binder = new ParameterBinder(name, parameters, method.isVarArgs());
        String returns = method.getReturnType() == void.class ? "None"
                : io.picklebridge.server.convert.PythonTypeNames.java(method.getGenericReturnType());
        return new MethodWorker(method, target, binder, name + binder.describeParameters() + " -> " + returns);
    }

    String signature() {
        return signature;
    }

    @Override
    public Object call(List<Object> args, Map<String, Object> kwargs) throws Exception {
        return invoke(binder.bind(args, kwargs));
    }

    /** One positional argument (a map item): no binding when it already has the parameter's type. */
    @Override
    public Object callWithOne(Object argument) throws Exception {
        Object[] values = binder.bindOne(argument);
        return values != null ? invoke(values) : call(java.util.Collections.singletonList(argument), Map.of());
    }

    private Object invoke(Object[] values) throws Exception {
        if (invoker != null) {
            try {
                return (Object) invoker.invokeExact(values);
            } catch (Exception | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new java.lang.reflect.UndeclaredThrowableException(t);
            }
        }
        try {
            return method.invoke(target, values);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception ex) throw ex;
            if (cause instanceof Error err) throw err;
            throw e;
        }
    }
}
