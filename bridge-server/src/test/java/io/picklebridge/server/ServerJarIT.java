package io.picklebridge.server;

import io.picklebridge.pickle.PyTuple;
import io.picklebridge.server.cli.ServerCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shaded jar as users run it: --help, TCP with a generated key, SIGTERM, stdio pipes and socketpair. */
class ServerJarIT {
    static final String JAR = System.getProperty("pb.serverJar", "target/bridge-server.jar");

    private static Process launch(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("java", "-jar", JAR));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).start();
    }

    /** Reads stderr lines until one starts with the prefix; returns the rest of that line. */
    private static String awaitLine(BufferedReader stderr, String prefix, List<String> seen) throws Exception {
        String line;
        while ((line = stderr.readLine()) != null) {
            seen.add(line);
            if (line.startsWith(prefix)) return line.substring(prefix.length());
        }
        return null;
    }

    @Test
    void helpListsTheOptions() throws Exception {
        Process process = launch("--help");
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue());
        for (String option : List.of("--listen", "--stdio", "--authkey-file", "--workers", "--threads",
                "--max-frame", "--max-in-flight", "--call-timeout", "--log-level")) {
            assertTrue(out.contains(option), option + " missing from:\n" + out);
        }
    }

    @Test
    void badOptionsExitNonZero() throws Exception {
        Process process = launch("--listen", "tcp://nowhere:port");
        process.getInputStream().readAllBytes();
        assertTrue(process.waitFor(30, TimeUnit.SECONDS));
        assertTrue(process.exitValue() != 0);
    }

    @Test
    void aMissingOrUnreadableKeyFileIsNamedWithItsProblem(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path missing = dir.resolve("nonexistent");
        Path directory = Files.createDirectory(dir.resolve("a-directory"));
        for (Path file : List.of(missing, directory)) {
            Process process = launch("--listen", "tcp://127.0.0.1:0", "--authkey-file", file.toString());
            process.getInputStream().readAllBytes();
            String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            assertTrue(process.waitFor(30, TimeUnit.SECONDS));
            assertEquals(1, process.exitValue(), err);
            String expected = "picklebridge: cannot read authkey file " + file + ": "
                    + (file == missing ? "no such file" : "");
            assertTrue(err.startsWith(expected), err);
            assertFalse(err.contains("\tat "), "a reason, not a stack trace: " + err);
        }
    }

    @Test
    void tcpWithAGeneratedKeyThenSigtermFinishesTheCallInFlight() throws Exception {
        Process process = launch("--listen", "tcp://127.0.0.1:0", "--threads", "2");
        try {
            BufferedReader stderr = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8));
            List<String> seen = new ArrayList<>();
            String keyPath = awaitLine(stderr, ServerCommand.AUTHKEY_FILE, seen);
            assertNotNull(keyPath, seen.toString());
            String address = awaitLine(stderr, ServerCommand.LISTENING, seen);
            assertNotNull(address, seen.toString());
            assertTrue(address.matches("tcp://127\\.0\\.0\\.1:\\d+"), address);
            Path key = Path.of(keyPath);
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
            byte[] keyBytes = Files.readAllBytes(key);
            int port = Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
            try (TestClient client = TestClient.connect(new InetSocketAddress("127.0.0.1", port), keyBytes)) {
                assertEquals(PyTuple.of("result", 1L, "pong"), client.call(1, "sys.ping"));
                client.send(PyTuple.of("call", 2L, "sys.sleep", PyTuple.of(1.0), Map.of()));
                Thread.sleep(200); // the sleep is running
                process.toHandle().destroy(); // SIGTERM (Process.destroy would also close our pipes)
                assertEquals(PyTuple.of("result", 2L, null), client.recv(), "the call in flight must finish");
                assertTrue(client.awaitClosed());
            }
            String rest = stderr.lines().collect(java.util.stream.Collectors.joining("\n"));
            assertTrue(process.waitFor(30, TimeUnit.SECONDS));
            String all = String.join("\n", seen) + rest;
            assertFalse(all.contains(java.util.HexFormat.of().formatHex(keyBytes)), "the key must never be logged");
            Files.deleteIfExists(key);
        } finally {
            process.destroyForcibly();
        }
    }

    @Test
    void loadsWorkersFromAClasspathOverAUnixSocket(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path socket = dir.resolve("jar.sock");
        Process process = launch("--listen", "unix://" + socket, "--classpath", System.getProperty("pb.testClasses"),
                "--workers", "io.picklebridge.server.registry.Geometry");
        try {
            BufferedReader stderr = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8));
            List<String> seen = new ArrayList<>();
            assertEquals("unix://" + socket, awaitLine(stderr, ServerCommand.LISTENING, seen), seen.toString());
            try (TestClient client = TestClient.connect(java.net.UnixDomainSocketAddress.of(socket), null)) {
                assertEquals(PyTuple.of("result", 1L, 6.0), client.call(1, "geo.area", 2L, 3L));
                // the ServiceLoader provider in the same directory was found too
                assertEquals(PyTuple.of("result", 2L, 14L), client.call(2, "plugin.twice", 7L));
            }
        } finally {
            process.toHandle().destroy();
            assertTrue(process.waitFor(30, TimeUnit.SECONDS));
        }
        assertFalse(Files.exists(socket), "SIGTERM removes the socket file");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"pipes", "socketpair", "socketpair --nio"})
    void stdioServesAndExitsWhenStdinCloses(String transport) throws Exception {
        Path script = Path.of(getClass().getResource("/python/stdio_client.py").toURI());
        List<String> command = new ArrayList<>(List.of("python3", script.toString(), JAR));
        command.addAll(List.of(transport.split(" ")));
        Process python = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue(python.waitFor(60, TimeUnit.SECONDS));
        System.err.println("stdio " + transport + ": " + out);
        assertTrue(out.startsWith("OK exit=0 after="), out);
        double after = Double.parseDouble(out.split("after=")[1].split("\\s")[0]);
        assertTrue(after < 10, "the JVM took " + after + " s to exit after stdin closed");
    }
}
