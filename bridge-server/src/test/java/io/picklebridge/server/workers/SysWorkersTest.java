package io.picklebridge.server.workers;

import io.picklebridge.server.registry.WorkerRegistry;
import org.junit.jupiter.api.Test;

import java.io.FileNotFoundException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SysWorkersTest {
    private final WorkerRegistry[] holder = new WorkerRegistry[1];
    private final WorkerRegistry registry = holder[0] = WorkerRegistry.builder()
            .annotated(new SysWorkers(() -> holder[0].all(), () -> Map.of("pid", 1L)))
            .annotated(DemoWorkers.class)
            .build();

    private Object call(String name, Object... args) throws Exception {
        return registry.find(name).worker().call(List.of(args), Map.of());
    }

    @Test
    void echoReturnsTheSameObject() throws Exception {
        Object value = new java.util.ArrayList<>(List.of(1L));
        assertSame(value, call("sys.echo", value));
        assertEquals("pong", call("sys.ping"));
    }

    @Test
    void failThrowsTheNamedThrowable() {
        IllegalArgumentException iae = assertThrows(IllegalArgumentException.class,
                () -> call("sys.fail", "java.lang.IllegalArgumentException", "bad n"));
        assertEquals("bad n", iae.getMessage());
        assertThrows(FileNotFoundException.class, () -> call("sys.fail", "java.io.FileNotFoundException", "gone"));
        IllegalArgumentException notThrowable = assertThrows(IllegalArgumentException.class,
                () -> call("sys.fail", "java.lang.String", "x"));
        assertEquals("java.lang.String is not a Throwable", notThrowable.getMessage());
        assertThrows(IllegalArgumentException.class, () -> call("sys.fail", "no.Such", "x"));
    }

    @Test
    void sleepIsInterruptible() throws Exception {
        Thread[] sleeper = new Thread[1];
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        sleeper[0] = new Thread(() -> {
            try {
                call("sys.sleep", 30.0);
                outcome.complete(null);
            } catch (Throwable t) {
                outcome.complete(t);
            }
        });
        sleeper[0].start();
        Thread.sleep(50);
        sleeper[0].interrupt();
        assertInstanceOf(InterruptedException.class, outcome.get(5, TimeUnit.SECONDS));
        assertThrows(IllegalArgumentException.class, () -> call("sys.sleep", -1.0));
    }

    @Test
    void workersAndInfoDescribeTheServer() throws Exception {
        @SuppressWarnings("unchecked")
        Map<String, String> workers = (Map<String, String>) call("sys.workers");
        assertEquals("sys.sleep(seconds: double) -> None", workers.get("sys.sleep"));
        assertEquals("sys.fail(java_exception_class_name: String, message: String) -> None", workers.get("sys.fail"));
        assertTrue(workers.containsKey("demo.primes_below"));
        assertEquals(Map.of("pid", 1L), call("sys.info"));
    }

    @Test
    void demoWorkers() throws Exception {
        assertEquals(25L, call("demo.primes_below", 100L));
        assertEquals(0L, call("demo.primes_below", 2L));
        assertEquals(49L, call("demo.square", 7L));
        assertEquals(new java.math.BigInteger("85070591730234615847396907784232501249"),
                call("demo.square", Long.MAX_VALUE));
        assertEquals(2.25, call("demo.square", 1.5));
        assertEquals(3L, call("demo.abs", -3L));
        assertEquals(-2L, call("demo.floordiv", -3L, 2L));
        assertThrows(ArithmeticException.class, () -> call("demo.floordiv", 1L, 0L));
        assertThrows(ExecutionException.class, () -> { throw new ExecutionException(null); });
    }
}
