package io.picklebridge.client;

import io.picklebridge.pickle.PyByteArray;
import io.picklebridge.pickle.PyComplex;
import io.picklebridge.pickle.PyFraction;
import io.picklebridge.pickle.PyFrozenSet;
import io.picklebridge.pickle.PyTuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.stream.LongStream;

import static io.picklebridge.client.Failures.failure;
import static io.picklebridge.client.Failures.result;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Java calling real Python functions: {@code python3 -m picklebridge serve --stdio statistics
 * javacalls} spawned by the client, spoken to over its stdin/stdout.
 */
class PythonServeStdioTest {
    private static BridgeClient python;

    @BeforeAll
    static void spawn() {
        PythonPeers.assumeServeMode();
        python = PythonPeers.spawn("statistics", "javacalls").build();
    }

    @AfterAll
    static void close() {
        if (python != null) python.close();
    }

    @Test
    void statisticsMean() {
        assertEquals(2.5, result(python.call(Double.class, "statistics.mean", List.of(1, 2, 3, 4))));
        assertEquals(2L, result(python.call("statistics.mean", List.of(1, 2, 3))));
        assertEquals(3.0, result(python.call(double.class, "statistics.median", PyTuple.of(1.0, 3.0, 5.0))));
    }

    @Test
    void helloFromThePythonPeer() {
        assertTrue(String.valueOf(python.peerInfo().get("server")).startsWith("picklebridge-python/"), python.peerInfo()::toString);
        assertEquals(5, python.protocol());
        assertTrue(python.capabilities().contains("cancel"));
        long pid = python.process().orElseThrow().pid();
        assertEquals(pid, result(python.call("javacalls.pid")));
        assertTrue(python.peer().startsWith("pid " + pid + ": python3 -m picklebridge serve --stdio"), python.peer());
    }

    @Test
    void javaArgumentsArriveAsNaturalPythonTypes() {
        List<Object> args = new ArrayList<>(List.of(1, BigInteger.TWO.pow(70), 2.5, "s", new byte[] {1}, List.of(1),
                PyTuple.of(1), Map.of("k", 1), Set.of(1), LocalDate.of(2026, 1, 2), LocalDateTime.of(2026, 1, 2, 3, 4),
                OffsetDateTime.of(2026, 1, 2, 3, 4, 5, 0, ZoneOffset.UTC), Duration.ofSeconds(3), new BigDecimal("1.5"),
                UUID.randomUUID(), true, new int[] {1, 2}, 'c', 7L));
        args.add(null);
        assertEquals(List.of("int", "int", "float", "str", "bytes", "list", "tuple", "dict", "set", "date", "datetime",
                        "datetime", "timedelta", "Decimal", "UUID", "bool", "list", "str", "int", "NoneType", "flag=bool"),
                result(python.call("javacalls.type_names", args, Map.of("flag", false))));
    }

    @Test
    void pythonValuesArriveAsTheCodecTableSays() {
        @SuppressWarnings("unchecked")
        Map<String, Object> kinds = (Map<String, Object>) result(python.call("javacalls.kinds"));
        assertEquals(null, kinds.get("none"));
        assertEquals(true, kinds.get("bool"));
        assertEquals(7L, kinds.get("small_int"));
        assertEquals(BigInteger.TWO.pow(100), kinds.get("big_int"));
        assertEquals(2.5, kinds.get("float"));
        assertEquals("h\u00e9llo \uD83C\uDF0D", kinds.get("str"));
        assertArrayEquals(new byte[] {0, 1, (byte) 0xff}, (byte[]) kinds.get("bytes"));
        assertArrayEquals(new byte[] {'a', 'b'}, ((PyByteArray) kinds.get("bytearray")).bytes());
        assertEquals(PyTuple.of(1L, "a"), kinds.get("tuple"));
        assertEquals(List.of(1L, List.of(2L, 3L)), kinds.get("list"));
        assertInstanceOf(ArrayList.class, kinds.get("list"));
        assertEquals(List.of("b", "a"), new ArrayList<>(((Map<?, ?>) kinds.get("dict")).keySet()));
        assertInstanceOf(LinkedHashMap.class, kinds.get("dict"));
        assertEquals(Set.of(3L), kinds.get("set"));
        assertInstanceOf(LinkedHashSet.class, kinds.get("set"));
        assertInstanceOf(PyFrozenSet.class, kinds.get("frozenset"));
        assertEquals(LocalDate.of(2026, 11, 22), kinds.get("date"));
        assertEquals(LocalDateTime.of(2026, 11, 22, 3, 4, 5, 123_456_000), kinds.get("datetime"));
        assertEquals(OffsetDateTime.of(2026, 11, 22, 3, 4, 5, 0, ZoneOffset.UTC), kinds.get("utc"));
        assertEquals(Duration.ofSeconds(90).plusNanos(5_000), kinds.get("timedelta"));
        assertEquals(new BigDecimal("3.14159265358979323846"), kinds.get("decimal"));
        assertEquals(UUID.fromString("12345678-1234-5678-1234-567812345678"), kinds.get("uuid"));
        assertInstanceOf(PyFraction.class, kinds.get("fraction"));
        assertEquals(new PyComplex(1, -2), kinds.get("complex"));
    }

    @ParameterizedTest
    @MethodSource("io.picklebridge.client.JavaServerTcpTest#echoes")
    void javaValuesRoundTripThroughPython(Object sent, Object expected) {
        assertEquals(expected, result(python.call("javacalls.echo", sent)));
    }

    @Test
    void typedResultsFromPython() {
        assertArrayEquals(new long[] {1, 2, 3}, result(python.call(long[].class, "javacalls.echo", PyTuple.of(1, 2, 3))));
        assertEquals(Integer.valueOf(49), result(python.call(Integer.class, "javacalls.square", 7)));
        ResultTypeException e = failure(python.call(Integer.class, "javacalls.echo", "seven"), ResultTypeException.class);
        assertEquals("javacalls.echo returned str 'seven', which does not convert to java.lang.Integer", e.getMessage());
    }

    @Test
    void aFunctionExposedUnderItsOwnNameWithKeywordArguments() {
        assertEquals(25.0, result(python.call("pricing.quote", "ACME", 2)));
        assertEquals(25.0, result(python.call("pricing.quote", List.of("ACME", 4), Map.of("discount", 0.5))));
        assertEquals("hello Ada?", result(python.request("javacalls.greet").args("Ada").kwarg("punctuation", "?").send()));
        RemoteException e = failure(python.call("pricing.quote", "NOPE", 1), RemoteException.class);
        assertEquals("KeyError", e.type());
    }

    @Test
    void pythonExceptionsArriveWithTheirTraceback() {
        RemoteException e = failure(python.call("javacalls.divide", 1, 0), RemoteException.class);
        assertEquals("ZeroDivisionError", e.type());
        assertEquals("", e.javaClass());
        assertEquals("division by zero", e.remoteMessage());
        assertEquals("javacalls.divide", e.worker());
        assertTrue(e.remoteTraceback().startsWith("Traceback (most recent call last):"), e.remoteTraceback());
        assertTrue(e.remoteTraceback().contains("javacalls.py\", line "), e.remoteTraceback());
        assertTrue(e.remoteTraceback().contains("in _checked_divide"), e.remoteTraceback());
        assertTrue(e.remoteTraceback().strip().endsWith("ZeroDivisionError: division by zero"), e.remoteTraceback());

        RemoteException custom = failure(python.call("javacalls.withdraw", 10, 20), RemoteException.class);
        assertTrue(custom.type().endsWith("InsufficientFunds"), custom.type());
        assertEquals("balance 10 is less than 20", custom.remoteMessage());
    }

    @Test
    void protocolLevelErrorsFromPython() {
        RemoteException missing = failure(python.call("statistics.meen", List.of(1)), RemoteException.class);
        assertEquals("NameError", missing.type());
        assertTrue(missing.remoteMessage().contains("statistics.mean"), missing.remoteMessage());
        RemoteException arity = failure(python.call("javacalls.greet"), RemoteException.class);
        assertEquals("TypeError", arity.type());
    }

    @Test
    void mapOverPython() {
        List<Long> items = LongStream.range(0, 50).boxed().toList();
        assertEquals(LongStream.range(0, 50).map(x -> x * x).boxed().toList(), result(python.map("javacalls.square", items, 7)));
        List<Object> withBad = new ArrayList<>(items);
        withBad.set(23, "x");
        RemoteException e = failure(python.map("javacalls.square", withBad, 7), RemoteException.class);
        assertEquals(23, e.index());
        assertEquals("TypeError", e.type());
        assertEquals(List.of("hello a!", "hello b."),
                result(python.starmap("javacalls.greet", List.of(List.of("a"), List.of("b", ".")), 1)));
    }

    @Test
    void aPythonGeneratorStreamsItsItems() {
        List<Object> items = new ArrayList<>();
        assertEquals(5L, result(python.stream("javacalls.count_up", items::add, 5)));
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L), items);
        List<Object> before = new ArrayList<>();
        RemoteException e = failure(python.request("javacalls.count_up").args(10).kwarg("fail_at", 3).stream(before::add),
                RemoteException.class);
        assertEquals("RuntimeError", e.type());
        assertEquals(List.of(0L, 1L, 2L), before, "the items sent before the error arrive first");
    }

    @Test
    void timeoutAndCancelOfPythonCalls() {
        CallTimeoutException timeout = failure(
                python.request("javacalls.nap").args(5.0).timeout(Duration.ofMillis(300)).send(), CallTimeoutException.class);
        assertEquals(Duration.ofMillis(300), timeout.timeout());
        CompletableFuture<Object> nap = python.call("javacalls.nap", 5.0);
        assertTrue(nap.cancel(true));
        assertThrows(CancellationException.class, nap::join);
        assertEquals("still here", result(python.call("javacalls.echo", "still here")));
        assertTrue(python.isOpen());
    }

    @Test
    void manyThreadsCallingPythonAtOnce() throws Exception {
        assertEquals(400, ConcurrentCalls.run(4, 100,
                (thread, i) -> python.call("javacalls.echo", PyTuple.of((long) thread, (long) i)),
                (thread, i) -> PyTuple.of((long) thread, (long) i)));
    }
}
