package io.picklebridge.client;

import org.junit.jupiter.api.Assumptions;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

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

    /** {@code python3 -m picklebridge serve ARGS} as a listening process, announcing its address on stderr. */
    static ListeningProcess listening(List<String> args) throws IOException {
        List<String> command = new ArrayList<>(List.of("python3", "-m", "picklebridge", "serve"));
        command.addAll(args);
        return new ListeningProcess(command, Map.of("PYTHONPATH", PACKAGE_DIR + File.pathSeparator + TEST_MODULES));
    }
}
