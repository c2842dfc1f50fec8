package io.picklebridge.server.workers;

import io.picklebridge.server.registry.BridgeWorkers;
import io.picklebridge.server.registry.Param;
import io.picklebridge.server.registry.Work;
import io.picklebridge.server.registry.WorkerDefinition;

import java.lang.reflect.Constructor;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The built-in {@code sys} workers every server offers: liveness, echo, sleep, failure on
 * demand, and introspection.
 *
 * <pre>{@code
 * conn.send(("call", 1, "sys.echo", ([1, {2: 3}],), {}))   # python: ('result', 1, [1, {2: 3}])
 * conn.send(("call", 2, "sys.fail", ("java.lang.IllegalArgumentException", "bad"), {}))
 * }</pre>
 */
@BridgeWorkers("sys")
public final class SysWorkers {
    private final Supplier<Collection<WorkerDefinition>> workers;
    private final Supplier<Map<String, Object>> info;

    /**
     * @param workers every registered worker, for {@code sys.workers()}
     * @param info    the server's description, for {@code sys.info()}
     */
    public SysWorkers(Supplier<Collection<WorkerDefinition>> workers, Supplier<Map<String, Object>> info) {
        this.workers = workers;
        this.info = info;
    }

    @Work(doc = "returns 'pong'", inline = true)
    public String ping() {
        return "pong";
    }

    @Work(doc = "returns its argument exactly as received (shared parts and cycles kept)", inline = true)
    public Object echo(Object x) {
        return x;
    }

    @Work(doc = "sleeps, interruptibly (cancel, timeout, disconnect); returns None")
    public void sleep(double seconds) throws InterruptedException {
        if (!(seconds >= 0)) throw new IllegalArgumentException("sleep length must be non-negative, got " + seconds);
        long nanos = seconds >= 9.2e9 ? Long.MAX_VALUE : (long) (seconds * 1e9);
        TimeUnit.NANOSECONDS.sleep(nanos);
    }

    @Work(doc = "throws the named Throwable subclass, made with its (String) constructor", inline = true)
    public void fail(@Param("java_exception_class_name") String className, String message) throws Throwable {
        Class<?> type;
        try {
            type = Class.forName(className, false, SysWorkers.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException("no such class: " + className);
        }
        if (!Throwable.class.isAssignableFrom(type)) {
            throw new IllegalArgumentException(className + " is not a Throwable");
        }
        Constructor<?> constructor;
        try {
            constructor = type.getConstructor(String.class);
        } catch (NoSuchMethodException e) {
            throw new IllegalArgumentException(className + " has no public (String) constructor");
        }
        throw (Throwable) constructor.newInstance(message);
    }

    @Work(doc = "{name: signature} of every worker", inline = true)
    public Map<String, String> workers() {
        Map<String, String> out = new LinkedHashMap<>();
        for (WorkerDefinition d : workers.get()) out.put(d.name(), d.signature());
        return out;
    }

    @Work(doc = "server, Java and Netty versions, pid, threads, limits", inline = true)
    public Map<String, Object> info() {
        return info.get();
    }
}
