package io.picklebridge.client;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static io.picklebridge.client.Failures.failure;
import static io.picklebridge.client.Failures.result;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Java calling {@code python -m picklebridge serve --listen tcp://... | unix://...} with an authkey. */
class PythonServeSocketTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void requirePython() {
        PythonPeers.assumeServeMode();
    }

    private Path keyFile() throws Exception {
        return Files.write(dir.resolve("key"), "python-serve-key".getBytes(StandardCharsets.UTF_8));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tcp", "unix"})
    void callsAndErrorsOverASocket(String scheme) throws Exception {
        Path key = keyFile();
        String listen = scheme.equals("tcp") ? "tcp://127.0.0.1:0" : "unix://" + dir.resolve("py.sock");
        try (ListeningProcess serve = PythonPeers.listening(
                List.of("--listen", listen, "--authkey-file", key.toString(), "statistics", "javacalls"))) {
            BridgeClient.Builder builder = BridgeClient.builder().authkey(key);
            builder = scheme.equals("tcp") ? builder.tcp("127.0.0.1", serve.port()) : builder.unix(dir.resolve("py.sock"));
            try (BridgeClient python = builder.build()) {
                assertEquals(serve.address, python.peer());
                assertEquals(2.5, result(python.call("statistics.mean", List.of(1, 2, 3, 4))));
                RemoteException e = failure(python.call("javacalls.divide", 1, 0), RemoteException.class);
                assertEquals("ZeroDivisionError", e.type());
                assertTrue(e.remoteTraceback().contains("in _checked_divide"), e.remoteTraceback());
            }
        }
    }

    @Test
    void aWrongAuthkeyIsRefused() throws Exception {
        Path key = keyFile();
        try (ListeningProcess serve = PythonPeers.listening(
                List.of("--listen", "tcp://127.0.0.1:0", "--authkey-file", key.toString(), "javacalls"))) {
            ConnectionFailedException e = assertThrows(ConnectionFailedException.class, () -> BridgeClient.builder()
                    .tcp("127.0.0.1", serve.port()).authkey("not the key".getBytes(StandardCharsets.UTF_8)).build());
            assertInstanceOf(io.picklebridge.wire.AuthenticationException.class, e.getCause());
        }
    }

    @Test
    void aKilledServeProcessFailsPendingCalls() throws Exception {
        Path key = keyFile();
        try (ListeningProcess serve = PythonPeers.listening(
                List.of("--listen", "tcp://127.0.0.1:0", "--authkey-file", key.toString(), "javacalls"));
             BridgeClient python = BridgeClient.builder().tcp("127.0.0.1", serve.port()).authkey(key).build()) {
            CompletableFuture<Object> napping = python.call("javacalls.nap", 60.0);
            assertEquals("up", result(python.call("javacalls.echo", "up")));
            long start = System.nanoTime();
            serve.process.destroyForcibly();
            ConnectionClosedException e = failure(napping, ConnectionClosedException.class);
            System.out.println("python tcp peer SIGKILL -> pending call failed after "
                    + (System.nanoTime() - start) / 1_000_000 + " ms: " + e.getMessage());
            assertEquals(serve.address, e.peer());
            assertFalse(python.isOpen());
        }
    }
}
