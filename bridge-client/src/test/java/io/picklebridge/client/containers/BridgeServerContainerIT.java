package io.picklebridge.client.containers;

import io.picklebridge.client.BridgeClient;
import io.picklebridge.client.ConnectionFailedException;
import io.picklebridge.client.RemoteException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.junit.jupiter.Testcontainers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The bridge-server image, built from bridge-server/Dockerfile, started with a generated
 * authkey where compose would mount it, and called from outside the container: by the Java
 * {@link BridgeClient}, by the local Python package {@code picklebridge} and by a stock
 * {@code multiprocessing.connection.Client}. Startup waits for the image's own HEALTHCHECK
 * (an authenticated round trip), so a broken health probe fails here too.
 *
 * <p>Skipped, not failed, where no Docker engine runs.
 */
@Testcontainers(disabledWithoutDocker = true)
class BridgeServerContainerIT {
    private static final Duration STARTUP = Duration.ofMinutes(10); // first run builds the image with Maven

    private static final byte[] KEY = ContainerImages.newAuthkey();
    private static GenericContainer<?> server;

    @TempDir
    static Path temp;

    @BeforeAll
    static void startServer() {
        server = ContainerImages.withAuthkey(new GenericContainer<>(ContainerImages.serverImage()), KEY)
                .withExposedPorts(ContainerImages.PORT)
                .withCommand("--threads", "2")
                .waitingFor(Wait.forHealthcheck().withStartupTimeout(STARTUP));
        server.start();
    }

    @AfterAll
    static void stopServer() {
        if (server != null) server.stop();
    }

    private static BridgeClient connect(byte[] key) {
        return BridgeClient.builder().tcp(server.getHost(), server.getMappedPort(ContainerImages.PORT))
                .authkey(key).connectTimeout(Duration.ofSeconds(20)).build();
    }

    @Test
    void javaClientCallsWorkersInTheContainer() {
        try (BridgeClient client = connect(KEY)) {
            Map<String, Object> nested = new LinkedHashMap<>();
            nested.put("text", "héllo");
            nested.put("list", new ArrayList<>(List.of(1L, 2.5, "three")));
            assertEquals(nested, client.call("sys.echo", nested).join());
            assertEquals(144L, client.call("demo.square", 12).join());
            assertEquals(78498L, client.call("demo.primes_below", 1_000_000).join());

            List<Long> items = LongStream.range(0, 500).boxed().collect(Collectors.toList());
            List<Object> squares = client.map("demo.square", items).join();
            assertEquals(items.stream().map(n -> n * n).collect(Collectors.toList()), squares);
        }
    }

    @Test
    void javaExceptionsArriveWithTheirPythonType() {
        try (BridgeClient client = connect(KEY)) {
            CompletionException failure = assertThrows(CompletionException.class,
                    () -> client.call("demo.floordiv", 1, 0).join());
            RemoteException remote = assertInstanceOf(RemoteException.class, failure.getCause());
            assertEquals("ZeroDivisionError", remote.type());
            assertEquals("java.lang.ArithmeticException", remote.javaClass());
        }
    }

    @Test
    void aWrongAuthkeyIsRefusedAndLoggedWithoutTheKey() throws InterruptedException {
        byte[] wrong = ContainerImages.newAuthkey();
        assertThrows(ConnectionFailedException.class, () -> connect(wrong).close());
        String logs = server.getLogs();
        for (int polls = 0; polls < 100 && !logs.contains("authentication failed"); polls++) {
            Thread.sleep(100); // the log line may reach docker's log a moment after the refusal
            logs = server.getLogs();
        }
        assertTrue(logs.contains("authentication failed"), logs);
        assertTrue(!logs.contains(new String(KEY, StandardCharsets.US_ASCII))
                && !logs.contains(new String(wrong, StandardCharsets.US_ASCII)), "a key was logged");
    }

    @Test
    void pythonPoolCallsTheContainerOverTcp() throws Exception {
        String python = System.getProperty("pb.python", "python3");
        Path keyFile = ContainerImages.hostKeyFile(temp, KEY);
        Path script = temp.resolve("pool_against_container.py");
        Files.writeString(script, String.join("\n",
                "import sys",
                "from multiprocessing.connection import Client",
                "import picklebridge",
                "host, port, key_file = sys.argv[1], int(sys.argv[2]), sys.argv[3]",
                "with picklebridge.Pool(2, address=(host, port), authkey_file=key_file) as pool:",
                "    squares = pool.map('demo.square', range(1000))",
                "    assert squares == [n * n for n in range(1000)], squares[:10]",
                "    try:",
                "        pool.apply('demo.floordiv', (1, 0))",
                "        raise AssertionError('no ZeroDivisionError')",
                "    except ZeroDivisionError:",
                "        pass",
                "with Client((host, port), authkey=open(key_file, 'rb').read()) as conn:",
                "    conn.send(('call', 1, 'sys.echo', ((1, 'two', 3.0),), {}))",
                "    assert conn.recv() == ('result', 1, (1, 'two', 3.0))",
                "print('container ok', sum(squares))",
                ""));
        ProcessBuilder builder = new ProcessBuilder(python, script.toString(), server.getHost(),
                String.valueOf(server.getMappedPort(ContainerImages.PORT)), keyFile.toString())
                .redirectErrorStream(true);
        builder.environment().put("PYTHONPATH", ContainerImages.ROOT.resolve("python-peer").toString());
        builder.environment().put("PYTHONDONTWRITEBYTECODE", "1");
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            assumeTrue(false, python + " is not available: " + e.getMessage());
            return;
        }
        process.getOutputStream().close();
        boolean exited = process.waitFor(2, TimeUnit.MINUTES);
        if (!exited) process.destroyForcibly();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(exited, "python did not finish: " + output);
        assertEquals(0, process.exitValue(), output);
        assertTrue(output.contains("container ok 332833500"), output);
    }

    @Test
    void theAuthkeyCanComeFromAnEnvFileInstead() {
        String key = "env-file-key-" + new String(ContainerImages.newAuthkey(), StandardCharsets.US_ASCII);
        try (GenericContainer<?> fromEnv = new GenericContainer<>(ContainerImages.serverImage())
                .withEnv("PICKLEBRIDGE_AUTHKEY", key)
                .withExposedPorts(ContainerImages.PORT)
                .waitingFor(Wait.forHealthcheck().withStartupTimeout(STARTUP))) {
            fromEnv.start();
            try (BridgeClient client = BridgeClient.builder()
                    .tcp(fromEnv.getHost(), fromEnv.getMappedPort(ContainerImages.PORT))
                    .authkey(key.getBytes(StandardCharsets.UTF_8)).build()) {
                assertEquals("pong", client.call("sys.ping").join());
            }
            assertTrue(!fromEnv.getLogs().contains(key), "the key was logged");
        }
    }

    @Test
    void theServerRunsAsANonRootUser() throws Exception {
        // PID 1 is the JVM itself (the entry point execs it), so its uid is the server's
        var result = server.execInContainer("sh", "-c", "grep '^Uid:' /proc/1/status; cat /proc/1/cmdline | tr '\\0' ' '");
        String[] lines = result.getStdout().split("\n");
        assertEquals("10001", lines[0].split("\\s+")[1], result.getStdout() + result.getStderr());
        assertTrue(lines.length > 1 && lines[1].startsWith("java "), result.getStdout());
    }
}
