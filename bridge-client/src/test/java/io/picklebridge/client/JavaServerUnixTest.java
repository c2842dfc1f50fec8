package io.picklebridge.client;

import io.picklebridge.pickle.PyTuple;
import io.picklebridge.server.BridgeServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static io.picklebridge.client.Failures.failure;
import static io.picklebridge.client.Failures.result;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The client against the real Java server, embedded, on a Unix domain socket (epoll and NIO). */
class JavaServerUnixTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "forceNio={0}")
    @ValueSource(booleans = {false, true})
    void callsErrorsAndManyInFlightOverAUnixSocket(boolean forceNio) throws IOException {
        Path socket = dir.resolve("pb.sock");
        try (BridgeServer server = JavaServerTcpTest.serverBuilder().listen("unix://" + socket).start();
             BridgeClient client = BridgeClient.builder().unix(socket).forceNio(forceNio).build()) {
            assertEquals(server.addresses(), List.of(client.peer()));
            assertEquals(5, client.protocol());
            assertEquals(List.of(1L, "two"), result(client.call("sys.echo", List.of(1, "two"))));
            RemoteException e = failure(client.call("sys.fail", "java.lang.IllegalStateException", "nope"), RemoteException.class);
            assertEquals("RuntimeError", e.type());
            List<CompletableFuture<Object>> inFlight = new ArrayList<>();
            for (int i = 0; i < 500; i++) inFlight.add(client.call("sys.echo", PyTuple.of((long) i, "x".repeat(i))));
            for (int i = 0; i < 500; i++) assertEquals(PyTuple.of((long) i, "x".repeat(i)), result(inFlight.get(i)));
        }
    }

    @Test
    void aUnixSocketWithAnAuthkey() throws IOException {
        Path socket = dir.resolve("auth.sock");
        byte[] key = "unix-key".getBytes(StandardCharsets.UTF_8);
        Path keyFile = Files.write(dir.resolve("key"), key);
        try (BridgeServer server = JavaServerTcpTest.serverBuilder().listen("unix://" + socket).authkey(key).start();
             BridgeClient client = BridgeClient.builder().unix(socket).authkey(keyFile).build()) {
            assertEquals("pong", result(client.call("sys.ping")));
            assertEquals(1L, server.stats().connections());
        }
        assertTrue(Files.notExists(socket), "the server removed its socket file");
    }

    @Test
    void noSocketFileFailsTheBuild() {
        Path missing = dir.resolve("missing.sock");
        ConnectionFailedException e = org.junit.jupiter.api.Assertions.assertThrows(ConnectionFailedException.class,
                () -> BridgeClient.builder().unix(missing).connectTimeout(Duration.ofSeconds(5)).build());
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }
}
