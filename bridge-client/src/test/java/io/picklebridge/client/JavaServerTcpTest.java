package io.picklebridge.client;

import io.picklebridge.pickle.PickleException;
import io.picklebridge.pickle.PyTuple;
import io.picklebridge.server.BridgeServer;
import io.picklebridge.wire.AuthenticationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import static io.picklebridge.client.Failures.WAIT_SECONDS;
import static io.picklebridge.client.Failures.failure;
import static io.picklebridge.client.Failures.result;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The client against the real Java server, embedded, on TCP 127.0.0.1 with an authkey. */
class JavaServerTcpTest {
    private static final byte[] KEY = "client-test-key".getBytes(StandardCharsets.UTF_8);
    /** Calls of test.block, by key: started, then interrupted (by cancel, timeout or disconnect). */
    private static final Map<String, CountDownLatch[]> BLOCKED = new ConcurrentHashMap<>();

    private static BridgeServer server;
    private static BridgeClient client;

    @BeforeAll
    static void start() throws IOException {
        server = serverBuilder().listen("tcp://127.0.0.1:0").authkey(KEY).start();
        client = BridgeClient.builder().tcp("127.0.0.1", server.tcpPort()).authkey(KEY).build();
    }

    @AfterAll
    static void stop() {
        if (client != null) client.close();
        if (server != null) server.close(Duration.ZERO);
    }

    /** A server with the test's own workers. */
    static BridgeServer.Builder serverBuilder() {
        return BridgeServer.builder().threads(4).shutdownGrace(Duration.ZERO)
                .worker("test.block", String.class, key -> {
                    CountDownLatch[] latches = latches(key);
                    latches[0].countDown();
                    try {
                        Thread.sleep(TimeUnit.SECONDS.toMillis(WAIT_SECONDS * 2));
                    } catch (InterruptedException e) {
                        latches[1].countDown();
                        throw e;
                    }
                    return "not interrupted";
                });
    }

    static CountDownLatch[] latches(String key) {
        return BLOCKED.computeIfAbsent(key, k -> new CountDownLatch[] {new CountDownLatch(1), new CountDownLatch(1)});
    }

    static boolean await(CountDownLatch latch) throws InterruptedException {
        return latch.await(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    static Stream<Arguments> echoes() {
        Map<String, Object> dict = new LinkedHashMap<>();
        dict.put("b", 2L);
        dict.put("a", List.of(PyTuple.of(1L, "x"), Map.of()));
        Set<Object> set = new LinkedHashSet<>(List.of(3L, "three"));
        return Stream.of(
                Arguments.of(null, null),
                Arguments.of(true, true),
                Arguments.of(42, 42L),
                Arguments.of(Long.MIN_VALUE, Long.MIN_VALUE),
                Arguments.of(BigInteger.TWO.pow(100), BigInteger.TWO.pow(100)),
                Arguments.of(3.5, 3.5),
                Arguments.of(Double.NaN, Double.NaN),
                Arguments.of(-0.0, -0.0),
                Arguments.of("h\u00e9llo \uD83C\uDF0D", "h\u00e9llo \uD83C\uDF0D"),
                Arguments.of('c', "c"),
                Arguments.of(List.of(1L, "two", 3.0), List.of(1L, "two", 3.0)),
                Arguments.of(PyTuple.of(1L, PyTuple.empty()), PyTuple.of(1L, PyTuple.empty())),
                Arguments.of(dict, dict),
                Arguments.of(set, set),
                Arguments.of(LocalDate.of(2026, 11, 22), LocalDate.of(2026, 11, 22)),
                Arguments.of(LocalDateTime.of(2026, 11, 22, 3, 4, 5, 123_456_000), LocalDateTime.of(2026, 11, 22, 3, 4, 5, 123_456_000)),
                Arguments.of(Duration.ofMillis(1500), Duration.ofMillis(1500)),
                Arguments.of(new BigDecimal("3.14159265358979323846"), new BigDecimal("3.14159265358979323846")),
                Arguments.of(UUID.fromString("12345678-1234-5678-1234-567812345678"), UUID.fromString("12345678-1234-5678-1234-567812345678")),
                Arguments.of(new int[] {1, 2, 3}, List.of(1L, 2L, 3L)));
    }

    @ParameterizedTest
    @MethodSource("echoes")
    void echoReturnsTheValueAsPythonWouldSeeIt(Object sent, Object expected) {
        assertEquals(expected, result(client.call("sys.echo", sent)));
    }

    @Test
    void bytesTravelAsBytes() {
        byte[] data = {0, 1, (byte) 0xff, 42};
        assertArrayEquals(data, (byte[]) result(client.call("sys.echo", (Object) data)));
    }

    @Test
    void helloNegotiatesProtocol5AndReadsTheServerInfo() {
        assertEquals(5, client.protocol());
        assertTrue(client.capabilities().containsAll(List.of("call", "map", "cancel", "ping", "timeout")), client.capabilities()::toString);
        assertTrue(String.valueOf(client.peerInfo().get("server")).startsWith("picklebridge-java/"), client.peerInfo()::toString);
        assertEquals(4L, client.peerInfo().get("threads"));
        assertTrue(client.isOpen());
        assertTrue(client.peer().startsWith("tcp://127.0.0.1:"), client.peer());
    }

    @Test
    void pingIsAnsweredByPong() {
        Duration roundTrip = result(client.ping());
        assertFalse(roundTrip.isNegative());
    }

    @Test
    void keywordArguments() {
        assertNull(result(client.call("sys.sleep", List.of(), Map.of("seconds", 0.001))));
        assertEquals(5L, result(client.request("demo.add").kwarg("a", 2).kwarg("b", 3).send()));
        RemoteException e = failure(client.call("sys.sleep", List.of(), Map.of("secs", 1.0)), RemoteException.class);
        assertEquals("TypeError", e.type());
    }

    @Test
    void typedCallsConvertTheResult() {
        assertEquals(7, result(client.call(Integer.class, "sys.echo", 7)));
        assertEquals(3.0, result(client.call(Double.class, "sys.echo", 3)));
        assertArrayEquals(new int[] {1, 2, 3}, result(client.call(int[].class, "sys.echo", List.of(1, 2, 3))));
        assertArrayEquals(new String[] {"a", "b"}, result(client.call(String[].class, "sys.echo", PyTuple.of("a", "b"))));
        assertEquals(List.of("a", 1L), result(client.call(List.class, "sys.echo", PyTuple.of("a", 1))));
        assertEquals(TimeUnit.SECONDS, result(client.call(TimeUnit.class, "sys.echo", "SECONDS")));
        assertEquals(BigInteger.valueOf(9), result(client.request("demo.square").args(3).send(BigInteger.class)));
    }

    @Test
    void aResultThatDoesNotFitFailsWithResultTypeException() {
        ResultTypeException e = failure(client.call(Integer.class, "sys.echo", 3_000_000_000L), ResultTypeException.class);
        assertEquals("sys.echo returned int 3000000000, which cannot be converted to java.lang.Integer: it does not fit in Integer",
                e.getMessage());
        ResultTypeException nested = failure(client.call(long[].class, "sys.echo", List.of(1, "x")), ResultTypeException.class);
        assertTrue(nested.getMessage().contains("at [1]"), nested.getMessage());
    }

    @Test
    void javaExceptionsArriveAsRemoteExceptionWithTheJavaStackTrace() {
        RemoteException e = failure(client.call("sys.fail", "java.lang.IllegalArgumentException", "n must be positive"),
                RemoteException.class);
        assertEquals("ValueError", e.type());
        assertEquals("java.lang.IllegalArgumentException", e.javaClass());
        assertEquals("n must be positive", e.remoteMessage());
        assertEquals("sys.fail", e.worker());
        assertNull(e.index());
        assertTrue(e.remoteTraceback().startsWith("java.lang.IllegalArgumentException: n must be positive"), e.remoteTraceback());
        assertTrue(e.remoteTraceback().contains("\tat "), e.remoteTraceback());
        assertEquals("ValueError: n must be positive (worker sys.fail)", e.getMessage());

        RemoteException zero = failure(client.call("demo.floordiv", 1, 0), RemoteException.class);
        assertEquals("ZeroDivisionError", zero.type());
    }

    @Test
    void protocolLevelErrors() {
        RemoteException missing = failure(client.call("sys.ech0", 1), RemoteException.class);
        assertEquals("NameError", missing.type());
        assertTrue(missing.remoteMessage().contains("sys.echo"), missing.remoteMessage());
        RemoteException wrongType = failure(client.call("sys.sleep", "long"), RemoteException.class);
        assertEquals("TypeError", wrongType.type());
    }

    @Test
    void anArgumentTheCodecCannotPickleFailsThatCallOnly() {
        PickleException e = failure(client.call("sys.echo", new Object()), PickleException.class);
        assertTrue(e.getMessage().contains("java.lang.Object"), e.getMessage());
        assertEquals("still fine", result(client.call("sys.echo", "still fine")));
        assertTrue(client.isOpen());
    }

    @Test
    void mapReturnsResultsInItemOrderAcrossChunks() {
        List<Long> items = LongStream.range(0, 100).boxed().toList();
        List<Object> squares = result(client.map("demo.square", items, 7));
        assertEquals(LongStream.range(0, 100).map(x -> x * x).boxed().toList(), squares);
        assertEquals(List.of(), result(client.map("demo.square", List.of())));
        assertEquals(List.of(1L, 4L, 9L), result(client.map("demo.square", List.of(1, 2, 3))));
        assertEquals(List.of(3L, 7L), result(client.starmap("demo.add", List.of(List.of(1, 2), List.of(3, 4)), 1)));
    }

    @Test
    void aFailingMapItemReportsItsPositionInTheWholeList() {
        List<Object> items = new ArrayList<>();
        for (int i = 0; i < 20; i++) items.add(i == 13 ? "thirteen" : (Object) (long) i);
        RemoteException e = failure(client.map("demo.square", items, 5), RemoteException.class);
        assertEquals(13, e.index());
        assertEquals("TypeError", e.type());
    }

    @Test
    void streamedCallsHandItemsOverInOrderBeforeTheCount() {
        List<Object> items = java.util.Collections.synchronizedList(new ArrayList<>());
        assertEquals(500L, result(client.stream("demo.count", items::add, 500)));
        assertEquals(LongStream.range(0, 500).boxed().toList(), items);
        assertEquals(List.of(PyTuple.of(1L)), result(client.call("sys.echo", List.of(PyTuple.of(1)))), "ordinary calls still fine");
    }

    @Test
    void aStreamSinkThatThrowsFailsTheCall() {
        IllegalStateException e = failure(client.stream("demo.count", item -> {
            if (item.equals(3L)) throw new IllegalStateException("enough at 3");
        }, 2_000L), IllegalStateException.class);
        assertEquals("enough at 3", e.getMessage());
        // the call's entry goes when the server's terminal reply to the cancel arrives, just after
        assertTrue(pendingCallsDrainWithin(Duration.ofSeconds(5)), "the rest of the stream was cancelled");
    }

    private boolean pendingCallsDrainWithin(Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (client.pendingCalls() != 0) {
            if (System.nanoTime() > deadline) return false;
            try {
                Thread.sleep(5);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    @Test
    void cancellingTheFutureInterruptsTheRemoteCall() throws InterruptedException {
        CompletableFuture<Object> call = client.call("test.block", "cancel");
        assertTrue(await(latches("cancel")[0]), "the call started");
        assertTrue(call.cancel(true));
        assertThrows(CancellationException.class, call::join);
        assertTrue(await(latches("cancel")[1]), "the server interrupted the worker thread");
        assertEquals(0, client.pendingCalls());
    }

    @Test
    void aDerivedStageCancelsOnlyLocally() {
        CompletableFuture<Object> call = client.call("sys.sleep", 0.05);
        CompletableFuture<String> derived = call.thenApply(String::valueOf);
        derived.cancel(true);
        assertNull(result(call));
    }

    @Test
    void aCallTimeoutFailsTheCallAndInterruptsTheRemoteThread() throws InterruptedException {
        CompletableFuture<Object> call = client.request("test.block").args("timeout").timeout(Duration.ofMillis(200)).send();
        CallTimeoutException e = failure(call, CallTimeoutException.class);
        assertEquals(Duration.ofMillis(200), e.timeout());
        assertTrue(await(latches("timeout")[1]), "the server interrupted the worker thread");
        assertEquals("ok", result(client.call("sys.echo", "ok")));
    }

    @Test
    void manyThreadsManyCallsInFlightNoMisrouting() throws Exception {
        int checked = ConcurrentCalls.run(8, 250,
                (thread, i) -> i % 10 == 0 ? client.map("sys.echo", List.of(thread, i, "m"), 2)
                        : client.call("sys.echo", PyTuple.of((long) thread, (long) i, "payload-" + thread + "-" + i)),
                (thread, i) -> i % 10 == 0 ? List.of((long) thread, (long) i, "m")
                        : PyTuple.of((long) thread, (long) i, "payload-" + thread + "-" + i));
        assertEquals(8 * 250, checked);
        assertEquals(0, client.pendingCalls());
    }

    @Test
    void aWrongAuthkeyFailsTheBuild() {
        ConnectionFailedException e = assertThrows(ConnectionFailedException.class,
                () -> BridgeClient.builder().tcp("127.0.0.1", server.tcpPort()).authkey("wrong".getBytes(StandardCharsets.UTF_8)).build());
        assertInstanceOf(AuthenticationException.class, e.getCause(), () -> "cause: " + e.getCause());
    }

    @Test
    void nothingListeningFailsTheBuild() throws IOException {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        int closedPort = port;
        ConnectionFailedException e = assertThrows(ConnectionFailedException.class,
                () -> BridgeClient.builder().tcp("127.0.0.1", closedPort).authkey(KEY).build());
        assertInstanceOf(IOException.class, e.getCause());
    }

    @Test
    void aServerShuttingDownInterruptsTheCallThenTheClientSeesTheConnectionClosed() throws Exception {
        BridgeServer doomed = serverBuilder().listen("tcp://127.0.0.1:0").authkey(KEY).start();
        try (BridgeClient c = BridgeClient.builder().tcp("127.0.0.1", doomed.tcpPort()).authkey(KEY).build()) {
            CompletableFuture<Object> pending = c.call("test.block", "server-shutdown");
            assertTrue(await(latches("server-shutdown")[0]));
            doomed.close(Duration.ZERO);
            // graceful shutdown: the server interrupts the call and still sends its reply, then closes
            RemoteException e = failure(pending, RemoteException.class);
            assertEquals("CancelledError", e.type());
            failure(awaitClosed(c).ping(), ConnectionClosedException.class);
            ConnectionClosedException later = failure(c.call("sys.echo", 1), ConnectionClosedException.class);
            assertEquals(c.peer(), later.peer());
            assertFalse(c.isOpen());
        } finally {
            doomed.close(Duration.ZERO);
        }
    }

    /** Waits (bounded) until the client has seen its connection end. */
    static BridgeClient awaitClosed(BridgeClient c) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (c.isOpen() && System.nanoTime() < deadline) Thread.sleep(10);
        return c;
    }

    @Test
    void closingTheClientFailsItsPendingCallsAndLaterCalls() throws InterruptedException {
        BridgeClient c = BridgeClient.builder().tcp("127.0.0.1", server.tcpPort()).authkey(KEY).build();
        CompletableFuture<Object> pending = c.call("test.block", "client-close");
        assertTrue(await(latches("client-close")[0]));
        c.close();
        ConnectionClosedException e = failure(pending, ConnectionClosedException.class);
        assertEquals("the client was closed", e.getMessage());
        failure(c.call("sys.echo", 1), ConnectionClosedException.class);
        assertTrue(await(latches("client-close")[1]), "the server interrupted the call of the closed connection");
        c.close(); // idempotent
        assertTrue(c.closeFuture().isDone());
    }
}
