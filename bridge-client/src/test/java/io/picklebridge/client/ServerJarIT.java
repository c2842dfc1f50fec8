package io.picklebridge.client;

import io.picklebridge.pickle.PyTuple;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;

import static io.picklebridge.client.Failures.failure;
import static io.picklebridge.client.Failures.result;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The client against the real server jar ({@code bridge-server/<target>/bridge-server.jar},
 * built by the reactor's package phase): over its stdin/stdout ({@code --stdio}, spawned with
 * {@link BridgeClient.Builder#spawn}) and over TCP.
 */
class ServerJarIT {
    private static Path jar;
    private static String java;

    @TempDir
    Path dir;

    @BeforeAll
    static void findJar() {
        jar = Path.of(System.getProperty("pb.serverJar", "../bridge-server/target/bridge-server.jar")).toAbsolutePath();
        Assumptions.assumeTrue(Files.isRegularFile(jar), () -> "no server jar at " + jar + " (run mvn package first)");
        java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static BridgeClient.Builder stdio(String... extraArgs) {
        List<String> command = new ArrayList<>(List.of(java, "-Xmx128m", "-jar", jar.toString(), "--stdio", "--threads", "4"));
        command.addAll(List.of(extraArgs));
        return BridgeClient.builder().spawn(command);
    }

    @Test
    void callsErrorsMapsAndTypesOverTheJarsPipes() {
        try (BridgeClient client = stdio().build()) {
            assertEquals(5, client.protocol());
            assertEquals(4L, client.peerInfo().get("threads"));
            assertEquals(client.process().orElseThrow().pid(), client.peerInfo().get("pid"));
            assertEquals(List.of(1L, "two", 3.0, PyTuple.of(true, null)),
                    result(client.call("sys.echo", List.of(1, "two", 3.0, PyTuple.of(true, null)))));
            assertEquals(25, result(client.call(int.class, "demo.square", 5)));
            assertEquals(List.of(0L, 1L, 4L, 9L), result(client.map("demo.square", List.of(0, 1, 2, 3), 3)));
            RemoteException e = failure(client.call("sys.fail", "java.lang.UnsupportedOperationException", "not yet"),
                    RemoteException.class);
            assertEquals("NotImplementedError", e.type());
            assertEquals("java.lang.UnsupportedOperationException", e.javaClass());
            assertTrue(e.remoteTraceback().contains("at io.picklebridge.server.workers.SysWorkers.fail"), e.remoteTraceback());
            assertFalse(result(client.ping()).isNegative());
        }
    }

    @Test
    void timeoutAndCancelOverPipes() {
        try (BridgeClient client = stdio().build()) {
            failure(client.request("sys.sleep").args(30.0).timeout(Duration.ofMillis(200)).send(), CallTimeoutException.class);
            CompletableFuture<Object> sleeping = client.call("sys.sleep", 30.0);
            assertTrue(sleeping.cancel(true));
            assertThrows(CancellationException.class, sleeping::join);
            assertEquals("pong", result(client.call("sys.ping")));
            assertEquals(0, client.pendingCalls());
        }
    }

    @Test
    void manyThreadsOverPipes() throws Exception {
        try (BridgeClient client = stdio().build()) {
            assertEquals(1200, ConcurrentCalls.run(4, 300,
                    (thread, i) -> client.call("sys.echo", Map.of("thread", (long) thread, "i", (long) i)),
                    (thread, i) -> Map.of("thread", (long) thread, "i", (long) i)));
        }
    }

    @Test
    void closingTheClientEndsTheChildProcess() {
        BridgeClient client = stdio().build();
        ProcessHandle child = client.process().orElseThrow();
        assertTrue(child.isAlive());
        client.close();
        assertFalse(child.isAlive(), "the server exits once its stdin is closed");
    }

    @Test
    void aKilledJvmFailsPendingCallsWithItsExitCode() {
        try (BridgeClient client = stdio().build()) {
            CompletableFuture<Object> sleeping = client.call("sys.sleep", 60.0);
            assertEquals("pong", result(client.call("sys.ping")));
            long start = System.nanoTime();
            client.process().orElseThrow().destroyForcibly();
            PeerDiedException e = failure(sleeping, PeerDiedException.class);
            System.out.println("server JVM SIGKILL -> pending call failed after " + (System.nanoTime() - start) / 1_000_000 + " ms");
            assertNotNull(e.exitCode());
            assertNotEquals(0, e.exitCode());
            assertEquals(e.exitCode(), failure(client.call("sys.ping"), PeerDiedException.class).exitCode());
        }
    }

    @Test
    void aJarThatRefusesToStartFailsTheBuildWithItsStderr() {
        ConnectionFailedException e = assertThrows(ConnectionFailedException.class, () -> stdio("--no-such-option").build());
        PeerDiedException died = assertInstanceOf(PeerDiedException.class, e.getCause(), () -> "cause: " + e.getCause());
        assertNotEquals(0, died.exitCode());
        assertTrue(String.join("\n", died.stderrTail()).contains("--no-such-option"), died.stderrTail()::toString);
    }

    @Test
    void overTcpAKilledServerFailsPendingCalls() throws Exception {
        Path key = Files.write(dir.resolve("key"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        try (ListeningProcess server = new ListeningProcess(List.of(java, "-Xmx128m", "-jar", jar.toString(),
                "--listen", "tcp://127.0.0.1:0", "--authkey-file", key.toString()), Map.of());
             BridgeClient client = BridgeClient.builder().tcp("127.0.0.1", server.port()).authkey(key).build()) {
            assertEquals(List.of("x"), result(client.call("sys.echo", List.of("x"))));
            CompletableFuture<Object> sleeping = client.call("sys.sleep", 60.0);
            long start = System.nanoTime();
            server.process.destroyForcibly();
            ConnectionClosedException e = failure(sleeping, ConnectionClosedException.class);
            System.out.println("server JVM over tcp SIGKILL -> pending call failed after "
                    + (System.nanoTime() - start) / 1_000_000 + " ms");
            assertEquals(server.address, e.peer());
        }
    }
}
