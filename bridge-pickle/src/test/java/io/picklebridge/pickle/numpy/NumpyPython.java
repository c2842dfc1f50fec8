package io.picklebridge.pickle.numpy;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Debian's {@code /usr/bin/python3} (the interpreter that has numpy and pandas) running a script
 * from {@code src/test/resources/numpy}, talking in 4-byte big-endian length-prefixed frames
 * over stdin/stdout. A watchdog kills it after {@value #TIMEOUT_SECONDS} s so no read waits
 * forever; its stderr goes to a file quoted in failures.
 *
 * <pre>{@code
 * NumpyPython.assumeAvailable();
 * try (NumpyPython python = NumpyPython.start("numpy_roundtrip.py")) { byte[] f = python.receive(); }
 * }</pre>
 */
final class NumpyPython implements AutoCloseable {
    static final String INTERPRETER = "/usr/bin/python3";
    private static final long TIMEOUT_SECONDS = 150;
    private static Boolean available;

    private final Process process;
    private final Path stderr;
    private final DataInputStream in;
    private final DataOutputStream out;
    private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "numpy-python-watchdog");
        t.setDaemon(true);
        return t;
    });

    private NumpyPython(Process process, Path stderr) {
        this.process = process;
        this.stderr = stderr;
        this.in = new DataInputStream(new BufferedInputStream(process.getInputStream(), 1 << 16));
        this.out = new DataOutputStream(new BufferedOutputStream(process.getOutputStream(), 1 << 16));
        watchdog.schedule(process::destroyForcibly, TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

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

    static NumpyPython start(String script, String... args) {
        Path dir = scripts();
        List<String> command = new java.util.ArrayList<>(List.of(INTERPRETER, dir.resolve(script).toString()));
        command.addAll(List.of(args));
        try {
            Path err = Files.createTempFile("numpy-" + script, ".stderr");
            ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectError(err.toFile());
            pb.environment().put("PYTHONDONTWRITEBYTECODE", "1");
            return new NumpyPython(pb.start(), err);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path scripts() {
        try {
            return Path.of(NumpyPython.class.getResource("/numpy/numpy_roundtrip.py").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    void send(byte[] frame) {
        try {
            out.writeInt(frame.length);
            out.write(frame);
        } catch (IOException e) {
            throw new AssertionError("python stopped reading: " + stderrTail(), e);
        }
    }

    void send(java.nio.ByteBuffer frame) {
        byte[] copy = new byte[frame.remaining()];
        frame.duplicate().get(copy);
        send(copy);
    }

    byte[] receive() {
        try {
            out.flush();
            int n = in.readInt();
            byte[] b = new byte[n];
            in.readFully(b);
            return b;
        } catch (IOException e) {
            throw new AssertionError("python ended: " + stderrTail(), e);
        }
    }

    String stderrTail() {
        try {
            String s = Files.readString(stderr);
            return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
        } catch (IOException e) {
            return "(no stderr: " + e + ")";
        }
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException ignored) {
            // it may have exited already
        }
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        } finally {
            watchdog.shutdownNow();
        }
    }
}
