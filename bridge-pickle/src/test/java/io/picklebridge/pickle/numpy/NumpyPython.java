package io.picklebridge.pickle.numpy;

import io.picklebridge.pickle.PythonProcess;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Starts the numpy test scripts of {@code src/test/resources/numpy} under Debian's
 * {@code /usr/bin/python3}, the interpreter that has numpy and pandas, as a {@link PythonProcess}
 * (framed stdin/stdout, bounded waits, stderr quoted in failures).
 *
 * <pre>{@code
 * NumpyPython.assumeAvailable();
 * try (PythonProcess python = NumpyPython.start("numpy_roundtrip.py")) { byte[] f = python.receive(); }
 * }</pre>
 */
final class NumpyPython {
    static final String INTERPRETER = "/usr/bin/python3";
    private static Boolean available;

    private NumpyPython() {}

    /** Skips the calling test, with the reason, unless /usr/bin/python3 imports numpy and pandas. */
    static synchronized void assumeAvailable() {
        if (available == null) {
            try {
                Process p = new ProcessBuilder(INTERPRETER, "-c", "import numpy, pandas").redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                available = p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
            } catch (IOException e) {
                available = false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                available = false;
            }
        }
        assumeTrue(available, "numpy/pandas tests skipped: " + INTERPRETER
                + " cannot import numpy and pandas (install Debian's python3-numpy python3-pandas)");
    }

    static PythonProcess start(String script, String... args) {
        return PythonProcess.start(INTERPRETER, scripts(), script, args);
    }

    private static Path scripts() {
        try {
            return Path.of(NumpyPython.class.getResource("/numpy/numpy_roundtrip.py").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
