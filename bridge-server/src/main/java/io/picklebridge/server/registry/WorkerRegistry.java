package io.picklebridge.server.registry;

import io.picklebridge.server.BridgeCallException;

import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * The named workers a server offers, immutable once built. Workers come from annotated classes
 * ({@link BridgeWorkers} + {@link Work}), {@link WorkerProvider}s found through ServiceLoader,
 * and functions given to the builder. Names are {@code group.method}.
 *
 * <pre>{@code
 * WorkerRegistry registry = WorkerRegistry.builder()
 *         .annotated(Primes.class)
 *         .worker("math.add", Long.class, Long.class, (a, b) -> a + b)
 *         .build();
 * registry.find("math.add").worker().call(List.of(1L, 2L), Map.of());   // 3L
 * }</pre>
 */
public final class WorkerRegistry {
    private final Map<String, WorkerDefinition> workers;

    private WorkerRegistry(Map<String, WorkerDefinition> workers) {
        this.workers = Collections.unmodifiableMap(new LinkedHashMap<>(workers));
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * The worker of that name.
     *
     * @throws BridgeCallException of type {@code NameError} listing close names
     */
    public WorkerDefinition find(String name) {
        WorkerDefinition definition = workers.get(name);
        if (definition != null) return definition;
        List<String> close = CloseNames.suggest(name, workers.keySet(), 5);
        String hint = close.isEmpty()
                ? "; " + workers.size() + " workers registered, see sys.workers()"
                : "; did you mean " + String.join(", ", close) + "?";
        throw new BridgeCallException("NameError", "no worker named '" + name + "'" + hint);
    }

    /** The worker of that name, or null (no suggestion work: the dispatcher's fast path). */
    public WorkerDefinition lookup(String name) {
        return workers.get(name);
    }

    /** Every worker, in registration order. */
    public Collection<WorkerDefinition> all() {
        return workers.values();
    }

    public int size() {
        return workers.size();
    }

    /** Collects workers; {@link #build()} snapshots them. Duplicate names are refused. */
    public static final class Builder {
        private final Map<String, WorkerDefinition> workers = new LinkedHashMap<>();

        private Builder() {}

        /** Adds a definition as it is. */
        public Builder add(WorkerDefinition definition) {
            String name = definition.name();
            if (name.isEmpty() || name.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException("invalid worker name '" + name + "'");
            }
            if (workers.putIfAbsent(name, definition) != null) {
                throw new IllegalArgumentException("worker '" + name + "' is already registered");
            }
            return this;
        }

        /**
         * Runs an already registered worker inline on the event loop that reads its calls
         * (the builder's {@link Work#inline()}): only for work that never blocks and takes
         * microseconds.
         *
         * <pre>{@code
         * builder.worker("math.add", Long.class, Long.class, (a, b) -> a + b).inline("math.add");
         * }</pre>
         */
        public Builder inline(String name) {
            WorkerDefinition definition = workers.get(name);
            if (definition == null) throw new IllegalArgumentException("no worker named '" + name + "' to run inline");
            workers.put(name, definition.withInline(true));
            return this;
        }

        /** A raw worker that sees the decoded arguments as they are. */
        public Builder worker(String name, Worker worker) {
            return add(new WorkerDefinition(name, name + "(*args, **kwargs)", "", worker));
        }

        /** A typed worker without parameters. */
        public <R> Builder worker(String name, Worker.Fn0<R> fn) {
            return typed(name, List.of(), values -> fn.apply());
        }

        /** A typed worker: the argument is converted to {@code a} ({@code int.class}, {@code List.class}...). */
        @SuppressWarnings("unchecked")
        public <A, R> Builder worker(String name, Class<A> a, Worker.Fn1<? super A, R> fn) {
            return typed(name, List.of(a), values -> fn.apply((A) values[0]));
        }

        /** A typed worker with two parameters. */
        @SuppressWarnings("unchecked")
        public <A, B, R> Builder worker(String name, Class<A> a, Class<B> b, Worker.Fn2<? super A, ? super B, R> fn) {
            return typed(name, List.of(a, b), values -> fn.apply((A) values[0], (B) values[1]));
        }

        /** A typed worker with three parameters. */
        @SuppressWarnings("unchecked")
        public <A, B, C, R> Builder worker(String name, Class<A> a, Class<B> b, Class<C> c,
                                           Worker.Fn3<? super A, ? super B, ? super C, R> fn) {
            return typed(name, List.of(a, b, c), values -> fn.apply((A) values[0], (B) values[1], (C) values[2]));
        }

        private interface Invocation {
            Object invoke(Object[] values) throws Exception;
        }

        private Builder typed(String name, List<Class<?>> types, Invocation invocation) {
            List<ParameterBinder.Parameter> parameters = new ArrayList<>();
            for (int i = 0; i < types.size(); i++) {
                parameters.add(new ParameterBinder.Parameter("arg" + i, types.get(i)));
            }
            ParameterBinder binder = new ParameterBinder(name, parameters, false);
            Worker worker = (args, kwargs) -> invocation.invoke(binder.bind(args, kwargs));
            return add(new WorkerDefinition(name, name + binder.describeParameters(), "", worker));
        }

        /**
         * The {@link Work} methods of a {@link BridgeWorkers} class; instance methods run on one
         * instance made with its public no-argument constructor.
         */
        public Builder annotated(Class<?> type) {
            return annotated(type, null);
        }

        /** The {@link Work} methods of an object's class, instance methods bound to it. */
        public Builder annotated(Object instance) {
            return annotated(instance.getClass(), instance);
        }

        private Builder annotated(Class<?> type, Object instance) {
            BridgeWorkers group = type.getAnnotation(BridgeWorkers.class);
            if (group == null) {
                throw new IllegalArgumentException(type.getName() + " has no @BridgeWorkers annotation");
            }
            List<Method> methods = new ArrayList<>(Arrays.asList(type.getMethods()));
            methods.sort(java.util.Comparator.comparing(Method::getName)
                    .thenComparingInt(Method::getParameterCount));
            int found = 0;
            for (Method method : methods) {
                Work work = method.getAnnotation(Work.class);
                if (work == null) continue;
                if (!Modifier.isStatic(method.getModifiers()) && instance == null) instance = instantiate(type);
                String name = group.value() + "." + (work.value().isEmpty() ? method.getName() : work.value());
                MethodWorker worker = MethodWorker.of(name, method,
                        Modifier.isStatic(method.getModifiers()) ? null : instance);
                add(new WorkerDefinition(name, worker.signature(), work.doc(), worker, work.inline()));
                found++;
            }
            if (found == 0) {
                throw new IllegalArgumentException(type.getName() + " has no public @Work methods");
            }
            return this;
        }

        /**
         * A class named on the command line: a {@link WorkerProvider} is asked for its workers,
         * any other class must be {@link BridgeWorkers}-annotated.
         */
        public Builder fromClassName(String className, ClassLoader loader) {
            Class<?> type;
            try {
                type = Class.forName(className, true, loader);
            } catch (ClassNotFoundException e) {
                throw new IllegalArgumentException("worker class not found: " + className, e);
            }
            if (WorkerProvider.class.isAssignableFrom(type)) {
                ((WorkerProvider) instantiate(type)).registerWorkers(this);
                return this;
            }
            return annotated(type);
        }

        /** Every {@link WorkerProvider} the class loader's ServiceLoader lists. */
        public Builder discover(ClassLoader loader) {
            for (WorkerProvider provider : ServiceLoader.load(WorkerProvider.class, loader)) {
                provider.registerWorkers(this);
            }
            return this;
        }

        public boolean contains(String name) {
            return workers.containsKey(name);
        }

        public WorkerRegistry build() {
            return new WorkerRegistry(workers);
        }

        private static Object instantiate(Class<?> type) {
            try {
                Constructor<?> constructor = type.getDeclaredConstructor();
                constructor.setAccessible(true);
                return constructor.newInstance();
            } catch (ReflectiveOperationException | RuntimeException e) {
                throw new IllegalArgumentException("cannot create " + type.getName()
                        + " (needs a public no-argument constructor): " + e, e);
            }
        }
    }
}
