package io.picklebridge.server;

import io.picklebridge.pickle.PyTuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The server on Unix domain sockets, epoll and NIO: mode 0600, stale and live socket files. */
class UnixServerTest {
    @TempDir
    Path dir;

    private static BridgeServer.Builder builder(boolean nio) {
        return BridgeServer.builder().forceNio(nio).threads(2).shutdownGrace(Duration.ZERO);
    }

    @ParameterizedTest(name = "nio={0}")
    @ValueSource(booleans = {false, true})
    void servesCallsOnAnOwnerOnlySocket(boolean nio) throws Exception {
        Path socket = dir.resolve("pb.sock");
        try (BridgeServer server = builder(nio).listen("unix://" + socket).start()) {
            assertEquals(nio ? "nio" : "epoll", server.transport());
            assertEquals(List.of("unix://" + socket), server.addresses());
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
            try (TestClient client = TestClient.connect(UnixDomainSocketAddress.of(socket), null)) {
                assertEquals(PyTuple.of("result", 1L, List.of(1L, 2L)), client.call(1, "sys.echo", List.of(1L, 2L)));
            }
        }
        assertFalse(Files.exists(socket), "the socket file is removed on close");
    }

    @ParameterizedTest(name = "nio={0}")
    @ValueSource(booleans = {false, true})
    void usesTheAuthkeyWhenGiven(boolean nio) throws Exception {
        Path socket = dir.resolve("auth.sock");
        byte[] key = "unix-key".getBytes();
        try (BridgeServer server = builder(nio).listen("unix://" + socket).authkey(key).start()) {
            try (TestClient client = TestClient.connect(UnixDomainSocketAddress.of(socket), key)) {
                assertEquals(PyTuple.of("result", 1L, "pong"), client.call(1, "sys.ping"));
            }
            try (TestClient wrong = TestClient.connect(UnixDomainSocketAddress.of(socket), "nope".getBytes())) {
                assertTrue(wrong.awaitClosed());
                assertTrue(wrong.replies.isEmpty());
            }
        }
    }

    @Test
    void aStaleSocketFileIsReplaced() throws Exception {
        Path socket = dir.resolve("stale.sock");
        ServerSocketChannel dead = ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX);
        dead.bind(UnixDomainSocketAddress.of(socket));
        dead.close(); // the file stays; nobody listens on it any more
        assertTrue(Files.exists(socket));
        try (BridgeServer server = builder(false).listen("unix://" + socket).start();
             TestClient client = TestClient.connect(UnixDomainSocketAddress.of(socket), null)) {
            assertEquals(PyTuple.of("result", 1L, "pong"), client.call(1, "sys.ping"));
        }
    }

    @Test
    void aLiveSocketIsAlreadyInUse() throws Exception {
        Path socket = dir.resolve("live.sock");
        try (BridgeServer first = builder(false).listen("unix://" + socket).start()) {
            IOException e = assertThrows(IOException.class, () -> builder(true).listen("unix://" + socket).start());
            assertTrue(e.getMessage().contains("already in use"), e.getMessage());
            try (TestClient client = TestClient.connect(UnixDomainSocketAddress.of(socket), null)) {
                assertEquals(PyTuple.of("result", 1L, "pong"), client.call(1, "sys.ping"));
            }
        }
    }

    @Test
    void aRegularFileIsNeverReplaced() throws Exception {
        Path file = Files.writeString(dir.resolve("data.txt"), "precious");
        IOException e = assertThrows(IOException.class, () -> builder(false).listen("unix://" + file).start());
        assertTrue(e.getMessage().contains("not a socket"), e.getMessage());
        assertEquals("precious", Files.readString(file));
    }

    @Test
    void tcpWithoutAKeyMustBeAllowedExplicitly() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> builder(false).listen("tcp://127.0.0.1:0").start());
        assertTrue(e.getMessage().contains("needs an authkey"), e.getMessage());
    }
}
