package io.picklebridge.client;

import org.junit.jupiter.api.Assumptions;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Where the Python package and the test module live, and how to start {@code python -m
 * picklebridge serve}: spawned by the client over pipes, or as a listening process whose
 * announced address the test connects to.
 */
final class PythonPeers {
    /** python-peer/ (holds the picklebridge package), from the build, else relative to the module. */
    static final Path PACKAGE_DIR = Path.of(System.getProperty("pb.pythonPeer", "../python-peer")).toAbsolutePath().normalize();
    /** src/test/python/ (holds javacalls.py). */
    static final Path TEST_MODULES = Path.of(System.getProperty("pb.testPython", "src/test/python")).toAbsolutePath().normalize();
    static final String LISTENING = "picklebridge listening on ";

    private PythonPeers() {}

    /** Skips the test unless python3 and the serve mode are there. */
    static void assumeServeMode() {
        Assumptions.assumeTrue(Files.isRegularFile(PACKAGE_DIR.resolve("picklebridge/serve.py")),
                () -> "python -m picklebridge serve is not in " + PACKAGE_DIR + " yet");
        Assumptions.assumeTrue(canRun("python3"), "python3 is not installed");
    }

    static boolean canRun(String python) {
        try {
            Process p = new ProcessBuilder(python, "-c", "pass").redirectErrorStream(true).start();
            return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** A builder spawning {@code python3 -m picklebridge serve --stdio MODULES} with the test's PYTHONPATH. */
    static BridgeClient.Builder spawn(String... modules) {
        return BridgeClient.builder().spawnPython(modules).pythonPath(PACKAGE_DIR, TEST_MODULES)
                .workingDirectory(TEST_MODULES);
    }

    /** {@code python3 -m picklebridge serve ARGS} as a listening process; its first announced address. */
    static final class Listening implements AutoCloseable {
        final Process process;
        final String address;
        private final List<String> stderr = new ArrayList<>();

        Listening(List<String> args) throws IOException, InterruptedException {
            List<String> command = new ArrayList<>(List.of("python3", "-m", "picklebridge", "serve"));
            command.addAll(args);
            ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD);
            builder.environment().put("PYTHONPATH", PACKAGE_DIR + java.io.File.pathSeparator + TEST_MODULES);
            process = builder.start();
            CompletableFuture<String> announced = new CompletableFuture<>();
            Thread reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        synchronized (stderr) {
                            stderr.add(line);
                        }
                        if (line.startsWith(LISTENING)) announced.complete(line.substring(LISTENING.length()));
                    }
                } catch (IOException ignored) {
                    // the process ended
                }
                announced.completeExceptionally(new IOException("serve exited without announcing an address: " + stderr));
            }, "serve-stderr");
            reader.setDaemon(true);
            reader.start();
            try {
                address = announced.get(Failures.WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                close();
                throw new IOException("python serve did not start: " + e.getMessage(), e);
            }
        }

        int port() {
            return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
        }

        @Override
        public void close() {
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
