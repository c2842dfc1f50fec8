package io.picklebridge.client;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
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

/** A spawned Python peer that dies: pending calls fail at once, with its exit code and stderr. */
class PythonPeerDeathTest {
    @BeforeAll
    static void requirePython() {
        PythonPeers.assumeServeMode();
    }

    @Test
    void aPeerThatExitsFailsEveryPendingCallWithItsExitCodeAndStderr() {
        try (BridgeClient python = PythonPeers.spawn("javacalls").build()) {
            CompletableFuture<Object> napping = python.call("javacalls.nap", 60.0);
            CompletableFuture<Object> dying = python.call("javacalls.die", 3, "dying on purpose");
            long start = System.nanoTime();
            PeerDiedException e = failure(napping, PeerDiedException.class);
            System.out.println("python exit -> pending call failed after " + (System.nanoTime() - start) / 1_000_000 + " ms");
            assertEquals(3, e.exitCode());
            assertTrue(e.stderrTail().contains("dying on purpose"), e.stderrTail()::toString);
            assertTrue(e.getMessage().contains("exited with code 3"), e.getMessage());
            assertInstanceOf(PeerDiedException.class, failure(dying, PeerDiedException.class));
            assertFalse(python.isOpen());
            assertEquals(3, failure(python.call("javacalls.echo", 1), PeerDiedException.class).exitCode());
            assertEquals(0, python.pendingCalls());
        }
    }

    @Test
    void aKilledPeerFailsPendingCalls() {
        try (BridgeClient python = PythonPeers.spawn("javacalls").build()) {
            assertEquals("up", result(python.call("javacalls.echo", "up")));
            CompletableFuture<Object> napping = python.call("javacalls.nap", 60.0);
            long start = System.nanoTime();
            python.process().orElseThrow().destroyForcibly();
            PeerDiedException e = failure(napping, PeerDiedException.class);
            System.out.println("python SIGKILL -> pending call failed after " + (System.nanoTime() - start) / 1_000_000 + " ms");
            assertNotNull(e.exitCode());
            assertNotEquals(0, e.exitCode());
            failure(python.ping(), PeerDiedException.class);
        }
    }

    @Test
    void aPeerThatCannotStartFailsTheBuildWithItsStderr() {
        ConnectionFailedException e = assertThrows(ConnectionFailedException.class,
                () -> PythonPeers.spawn("no_such_module_for_picklebridge").build());
        PeerDiedException died = assertInstanceOf(PeerDiedException.class, e.getCause(), () -> "cause: " + e.getCause());
        assertNotEquals(0, died.exitCode());
        assertTrue(String.join("\n", died.stderrTail()).contains("no_such_module_for_picklebridge"), died.stderrTail()::toString);
    }

    @Test
    void aMissingPythonExecutableFailsTheBuild() {
        ConnectionFailedException e = assertThrows(ConnectionFailedException.class,
                () -> PythonPeers.spawn("javacalls").python("/nonexistent/bin/python3").build());
        assertInstanceOf(IOException.class, e.getCause());
    }
}
