package io.picklebridge.client.containers;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The two scripts the server image runs, exercised here without Docker against the real jar:
 * the health probe (bridge-server/docker/HealthCheck.java, compiled as the Dockerfile compiles
 * it) and the entry point (bridge-server/docker/entrypoint.sh, with its /opt/picklebridge
 * paths pointed at a temporary copy). So the image's moving parts are tested on every build,
 * and the Docker-only tests are left with what only Docker can check.
 */
class ContainerScriptsIT {
    private static final Pattern LISTENING = Pattern.compile("picklebridge listening on tcp://[^:]+:(\\d+)");
    private static final String KEY = "scripts-it-key-0123456789abcdef";

    @TempDir
    static Path temp;
    private static Path serverJar;
    private static Path probeClasses;
    private final List<Process> started = new ArrayList<>();

    @BeforeAll
    static void compileTheProbe() throws IOException {
        String jar = System.getProperty("pb.serverJar");
        assertNotNull(jar, "pb.serverJar is set by the failsafe configuration");
        serverJar = Path.of(jar);
        assertTrue(Files.isRegularFile(serverJar), serverJar + " is built before integration tests");
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assumeTrue(javac != null, "a JDK (not a JRE) runs the tests");
        probeClasses = Files.createDirectories(temp.resolve("healthcheck"));
        int status = javac.run(null, null, null, "--release", "17", "-cp", serverJar.toString(),
                "-d", probeClasses.toString(), ContainerImages.ROOT.resolve("bridge-server/docker/HealthCheck.java").toString());
        assertEquals(0, status, "HealthCheck.java does not compile against the server jar");
    }

    @AfterEach
    void stopProcesses() throws InterruptedException {
        for (Process process : started) {
            process.destroy();
            if (!process.waitFor(15, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(15, TimeUnit.SECONDS);
        }
    }

    @Test
    void theProbeIsHealthyOnlyWithTheServersKey() throws Exception {
        Path keyFile = Files.writeString(temp.resolve("probe.key"), KEY);
        Process server = start(List.of(java(), "-jar", serverJar.toString(), "--listen", "tcp://127.0.0.1:0",
                "--authkey-file", keyFile.toString(), "--log-level", "warn"), Map.of());
        int port = announcedPort(server);

        Result fromFile = probe(Map.of("PICKLEBRIDGE_LISTEN", "tcp://0.0.0.0:" + port,
                "PICKLEBRIDGE_AUTHKEY_FILE", keyFile.toString()));
        assertEquals(0, fromFile.status, fromFile.output);
        assertEquals("healthy: 127.0.0.1:" + port, fromFile.output.trim());

        Result fromEnv = probe(Map.of("PICKLEBRIDGE_LISTEN", "tcp://0.0.0.0:" + port, "PICKLEBRIDGE_AUTHKEY", KEY));
        assertEquals(0, fromEnv.status, fromEnv.output);

        Result wrongKey = probe(Map.of("PICKLEBRIDGE_LISTEN", "tcp://0.0.0.0:" + port, "PICKLEBRIDGE_AUTHKEY", "wrong"));
        assertEquals(1, wrongKey.status, wrongKey.output);
        assertTrue(wrongKey.output.startsWith("unhealthy: authkey refused"), wrongKey.output);
    }

    @Test
    void theProbeIsUnhealthyWhenNothingListens() throws Exception {
        int port;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Result result = probe(Map.of("PICKLEBRIDGE_LISTEN", "tcp://0.0.0.0:" + port, "PICKLEBRIDGE_AUTHKEY", KEY));
        assertEquals(1, result.status, result.output);
        assertTrue(result.output.startsWith("unhealthy: cannot connect to 127.0.0.1:" + port), result.output);
    }

    @Test
    void theEntryPointRefusesToStartWithoutAKey() throws Exception {
        Path script = entrypoint();
        Process process = start(List.of("sh", script.toString()),
                Map.of("PICKLEBRIDGE_AUTHKEY_FILE", temp.resolve("no-such-key").toString()));
        assertTrue(process.waitFor(30, TimeUnit.SECONDS));
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(64, process.exitValue(), output);
        assertTrue(output.startsWith("picklebridge: no authkey"), output);
    }

    @Test
    void theEntryPointServesWithAKeyFromTheEnvironmentInAPrivateFile() throws Exception {
        Path script = entrypoint();
        Path tmp = Files.createDirectories(temp.resolve("entrypoint-tmp"));
        Process server = start(List.of("sh", script.toString(), "--log-level", "warn"), Map.of(
                "PICKLEBRIDGE_LISTEN", "tcp://127.0.0.1:0", "PICKLEBRIDGE_AUTHKEY", KEY, "TMPDIR", tmp.toString()));
        int port = announcedPort(server);

        try (Stream<Path> files = Files.list(tmp)) {
            List<Path> keys = files.filter(f -> f.getFileName().toString().startsWith("picklebridge-authkey.")).toList();
            assertEquals(1, keys.size(), keys.toString());
            assertEquals(KEY, Files.readString(keys.get(0)), "the key file holds the value without a newline");
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(keys.get(0))));
        }
        Result result = probe(Map.of("PICKLEBRIDGE_LISTEN", "tcp://127.0.0.1:" + port, "PICKLEBRIDGE_AUTHKEY", KEY));
        assertEquals(0, result.status, result.output);
    }

    @Test
    void theTestcontainersContextsHoldEverythingTheDockerfilesCopy() throws IOException {
        assertContextCovers("bridge-server/Dockerfile", ContainerImages.serverImage().getTransferables().keySet());
        assertContextCovers("python-peer/Dockerfile", ContainerImages.peerImage().getTransferables().keySet());
    }

    /** Every COPY source of the Dockerfile (not --from a stage) is in the context, and no build output is. */
    private static void assertContextCovers(String dockerfile, java.util.Set<String> context) throws IOException {
        assertTrue(context.contains(dockerfile), dockerfile + " is in its own context");
        String text = Files.readString(ContainerImages.ROOT.resolve(dockerfile)).replace("\\\n", " ");
        Matcher copy = Pattern.compile("(?m)^COPY\\s+(?!--from)(.+)$").matcher(text);
        int copies = 0;
        while (copy.find()) {
            String[] parts = copy.group(1).trim().split("\\s+");
            for (int i = 0; i < parts.length - 1; i++) {     // the last part is the destination
                String source = parts[i].replaceAll("/$", "");
                assertTrue(context.stream().anyMatch(path -> path.equals(source) || path.startsWith(source + "/")),
                        dockerfile + " copies " + source + ", which the Testcontainers context lacks");
                copies++;
            }
        }
        assertTrue(copies >= 2, "no COPY found in " + dockerfile);
        for (String path : context) {
            assertTrue(!path.matches("(.*/)?target(-[^/]*)?/.*") && !path.contains("__pycache__") && !path.contains("/_jar/"),
                    "build output in the context: " + path);
        }
    }

    /** entrypoint.sh with /opt/picklebridge pointing at a temporary folder holding the jar. */
    private static Path entrypoint() throws IOException {
        Path opt = temp.resolve("opt");
        if (!Files.exists(opt)) {
            Files.createDirectories(opt.resolve("workers"));
            Files.copy(serverJar, opt.resolve("bridge-server.jar"));
        }
        String script = Files.readString(ContainerImages.ROOT.resolve("bridge-server/docker/entrypoint.sh"));
        assertTrue(script.contains("/opt/picklebridge/bridge-server.jar"), "the script's jar path changed");
        Path copy = temp.resolve("entrypoint.sh");
        Files.writeString(copy, script.replace("/opt/picklebridge", opt.toString()));
        return copy;
    }

    private Process start(List<String> command, Map<String, String> environment) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().remove("PICKLEBRIDGE_AUTHKEY");
        builder.environment().remove("PICKLEBRIDGE_AUTHKEY_FILE");
        builder.environment().putAll(environment);
        Process process = builder.start();
        process.getOutputStream().close();
        started.add(process);
        return process;
    }

    /** Reads the process's output (on a helper thread) until it announces its TCP port. */
    private static int announcedPort(Process process) throws InterruptedException {
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) lines.add(line);
            } catch (IOException ignored) {
                // the process was stopped
            }
        }, "scripts-it-output");
        reader.setDaemon(true);
        reader.start();
        StringBuilder seen = new StringBuilder();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            String line = lines.poll(500, TimeUnit.MILLISECONDS);
            if (line == null) {
                if (!process.isAlive() && lines.isEmpty()) break;
                continue;
            }
            seen.append(line).append('\n');
            Matcher matcher = LISTENING.matcher(line);
            if (matcher.find()) return Integer.parseInt(matcher.group(1));
        }
        throw new AssertionError("the server did not announce a TCP address; output:\n" + seen);
    }

    private Result probe(Map<String, String> environment) throws IOException, InterruptedException {
        Process process = start(List.of(java(), "-cp", serverJar + java.io.File.pathSeparator + probeClasses, "HealthCheck"),
                environment);
        boolean exited = process.waitFor(60, TimeUnit.SECONDS);
        assertTrue(exited, "the probe did not finish");
        return new Result(process.exitValue(), new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private record Result(int status, String output) {}
}
