package io.picklebridge.client;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static io.picklebridge.client.Failures.failure;
import static io.picklebridge.client.Failures.result;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code spawnPython} settings: another Python executable, extra {@code serve} arguments. */
class PythonServeOptionsTest {
    @BeforeAll
    static void requirePython() {
        PythonPeers.assumeServeMode();
    }

    @ParameterizedTest(name = "Python {0}")
    @ValueSource(strings = {"3.8.18", "3.13.0"})
    void otherPythonVersions(String version) {
        Path python = Path.of("/root/.pyenv/versions", version, "bin", "python");
        Assumptions.assumeTrue(Files.isExecutable(python), () -> "no Python " + version + " at " + python);
        try (BridgeClient client = PythonPeers.spawn("statistics", "javacalls").python(python.toString()).build()) {
            assertEquals(version, client.peerInfo().get("python"));
            assertEquals(5, client.protocol());
            assertEquals(2.5, result(client.call("statistics.mean", List.of(1, 2, 3, 4))));
            RemoteException e = failure(client.call("javacalls.divide", 1, 0), RemoteException.class);
            assertEquals("ZeroDivisionError", e.type());
            assertTrue(e.remoteTraceback().contains("in _checked_divide"), e.remoteTraceback());
        }
    }

    @Test
    void processesModeThroughExtraArgs() {
        try (BridgeClient client = PythonPeers.spawn("javacalls").extraArgs("--processes", "2").build()) {
            assertEquals("processes", client.peerInfo().get("mode"));
            long parent = client.process().orElseThrow().pid();
            assertNotEquals(parent, result(client.call(Long.class, "javacalls.pid")), "the call ran in a worker process");
            assertEquals(List.of(1L, 4L, 9L), result(client.map("javacalls.square", List.of(1, 2, 3), 1)));
            failure(client.request("javacalls.nap").args(30.0).timeout(Duration.ofMillis(300)).send(), CallTimeoutException.class);
            assertEquals(49L, result(client.call("javacalls.square", 7)));
        }
    }
}
