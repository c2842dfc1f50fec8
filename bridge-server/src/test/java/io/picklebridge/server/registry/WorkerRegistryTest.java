package io.picklebridge.server.registry;

import io.picklebridge.server.BridgeCallException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WorkerRegistryTest {
    private final WorkerRegistry registry = WorkerRegistry.builder()
            .annotated(Geometry.class)
            .worker("math.add", Long.class, Long.class, (a, b) -> a + b)
            .worker("math.answer", () -> 42L)
            .worker("raw.count", (args, kwargs) -> (long) (args.size() + kwargs.size()))
            .build();

    private Object call(String name, List<Object> args, Map<String, Object> kwargs) throws Exception {
        return registry.find(name).worker().call(args, kwargs);
    }

    private static Map<String, Object> kw(Object... pairs) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) map.put((String) pairs[i], pairs[i + 1]);
        return map;
    }

    @Test
    void inlineComesFromTheAnnotationOrTheBuilder() {
        WorkerRegistry workers = WorkerRegistry.builder()
                .annotated(io.picklebridge.server.workers.DemoWorkers.class)
                .worker("math.add", Long.class, Long.class, (a, b) -> a + b)
                .worker("math.slow", () -> 1L)
                .inline("math.add")
                .build();
        assertTrue(workers.find("demo.abs").inline());
        assertFalse(workers.find("demo.primes_below").inline(), "CPU-bound work stays on the worker threads");
        assertTrue(workers.find("math.add").inline());
        assertFalse(workers.find("math.slow").inline());
        assertEquals(null, workers.lookup("math.nope"));
        assertThrows(IllegalArgumentException.class, () -> WorkerRegistry.builder().inline("math.nope"));
    }

    @Test
    void annotatedMethodsBindByPositionAndName() throws Exception {
        assertEquals(6.0, call("geo.area", List.of(2L, 3.0), Map.of()));
        assertEquals(6.0, call("geo.area", List.of(2L), kw("height", 3L)));
        assertEquals(6.0, call("geo.area", List.of(), kw("height", 3L, "width", 2.0)));
        assertEquals(5, call("geo.length", List.of(new ArrayList<>(List.of("a", "b"))), kw("extra_count", 3L)));
        assertEquals(1L, call("geo.counted", List.of(), Map.of()));
        assertEquals(2L, call("geo.counted", List.of(), Map.of()));
    }

    @Test
    void varargsCollectTheRest() throws Exception {
        assertEquals(0L, call("geo.sum", List.of(), Map.of()));
        assertEquals(6L, call("geo.sum", List.of(1L, 2L, 3L), Map.of()));
    }

    @Test
    void bindingErrorsAreWordedLikePython() {
        BridgeCallException e = assertThrows(BridgeCallException.class, () -> call("geo.area", List.of("x", 1L), Map.of()));
        assertEquals("TypeError", e.pythonType());
        assertEquals("geo.area(): parameter 'width' expects double, got str", e.getMessage());
        e = assertThrows(BridgeCallException.class, () -> call("geo.area", List.of(1L, 2L, 3L), Map.of()));
        assertEquals("geo.area() takes 2 positional arguments but 3 were given", e.getMessage());
        e = assertThrows(BridgeCallException.class, () -> call("geo.area", List.of(1L), Map.of()));
        assertEquals("geo.area() missing required argument: 'height'", e.getMessage());
        e = assertThrows(BridgeCallException.class, () -> call("geo.area", List.of(1L, 2L), kw("depth", 1L)));
        assertEquals("geo.area() got an unexpected keyword argument 'depth'", e.getMessage());
        e = assertThrows(BridgeCallException.class, () -> call("geo.area", List.of(1L, 2L), kw("width", 1L)));
        assertEquals("geo.area() got multiple values for argument 'width'", e.getMessage());
        e = assertThrows(BridgeCallException.class, () -> call("math.add", List.of(1L, 2.5), Map.of()));
        assertEquals("math.add(): parameter 'arg1' expects Long, got float", e.getMessage());
        e = assertThrows(BridgeCallException.class,
                () -> call("geo.length", List.of(List.of()), kw("extra_count", 1L << 40)));
        assertEquals("OverflowError", e.pythonType());
    }

    @Test
    void typedAndRawFunctions() throws Exception {
        assertEquals(5L, call("math.add", List.of(2L, 3L), Map.of()));
        assertEquals(42L, call("math.answer", List.of(), Map.of()));
        assertEquals(3L, call("raw.count", List.of(1L, 2L), kw("x", 1L)));
    }

    @Test
    void unknownWorkerSuggestsCloseNames() {
        BridgeCallException e = assertThrows(BridgeCallException.class, () -> registry.find("geo.are"));
        assertEquals("NameError", e.pythonType());
        assertEquals("no worker named 'geo.are'; did you mean geo.area?", e.getMessage());
        e = assertThrows(BridgeCallException.class, () -> registry.find("other.add"));
        assertTrue(e.getMessage().contains("math.add"), e.getMessage());
        e = assertThrows(BridgeCallException.class, () -> registry.find("zzzzzzzzzzzz"));
        assertTrue(e.getMessage().contains("see sys.workers()"), e.getMessage());
    }

    @Test
    void signaturesDescribeParameters() {
        assertEquals("geo.area(width: double, height: double) -> double", registry.find("geo.area").signature());
        assertEquals("geo.sum(*values: long) -> long", registry.find("geo.sum").signature());
        assertEquals("geo.length(words: List<String>, extra_count: int) -> int", registry.find("geo.length").signature());
        assertEquals("area of a w x h rectangle", registry.find("geo.area").doc());
    }

    @Test
    void refusesDuplicatesAndUnannotatedClasses() {
        WorkerRegistry.Builder builder = WorkerRegistry.builder().worker("a.b", () -> 1L);
        assertThrows(IllegalArgumentException.class, () -> builder.worker("a.b", () -> 2L));
        assertThrows(IllegalArgumentException.class, () -> builder.worker("bad name", () -> 2L));
        assertThrows(IllegalArgumentException.class, () -> builder.annotated(String.class));
        assertThrows(IllegalArgumentException.class, () -> builder.fromClassName("no.such.Class", getClass().getClassLoader()));
    }

    @Test
    void serviceLoaderAndClassNamesFindWorkers() throws Exception {
        WorkerRegistry found = WorkerRegistry.builder().discover(getClass().getClassLoader())
                .fromClassName(Geometry.class.getName(), getClass().getClassLoader()).build();
        assertEquals(14L, found.find("plugin.twice").worker().call(List.of(7L), Map.of()));
        assertEquals(6.0, found.find("geo.area").worker().call(List.of(2L, 3L), Map.of()));
    }

    @Test
    void closeNamesUseEditDistance() {
        assertEquals(1, CloseNames.distance("sys.ech", "sys.echo"));
        assertEquals(List.of("sys.echo"), CloseNames.suggest("sys.ecoh", List.of("sys.echo", "sys.ping", "demo.abs"), 3));
    }
}
