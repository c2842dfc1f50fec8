package io.picklebridge.pickle;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A real Python interpreter running one of the test scripts in {@code src/test/resources/python},
 * talking in length-prefixed frames over its stdin and stdout (4-byte big-endian length, then the
 * bytes, as {@code pbframes.py} reads and writes them). Its stderr goes to a file whose tail is
 * quoted in every failure. Every wait is bounded; {@link #close()} ends the process.
 *
 * <pre>{@code
 * try (PythonProcess python = PythonProcess.start(PythonProcess.PYTHON3, "check_loads.py")) {
 *     python.send("none".getBytes(UTF_8));  python.send(pickle);
 *     String answer = python.receiveText();
 * }
 * }</pre>
 */
public final class PythonProcess implements AutoCloseable {
    /** The team's CPython 3.11. */
    static final String PYTHON3 = "python3";
    private static final Path PYENV = Path.of("/root/.pyenv/versions");
    private static final long TIMEOUT_SECONDS = 120;

    private final Process process;
    private final Path stderrFile;
    private final DataInputStream in;
    private final DataOutputStream out;
    private final ExecutorService reader;

    private PythonProcess(Process process, Path stderrFile) {
        this.process = process;
        this.stderrFile = stderrFile;
        this.in = new DataInputStream(new BufferedInputStream(process.getInputStream(), 1 << 16));
        this.out = new DataOutputStream(new BufferedOutputStream(process.getOutputStream(), 1 << 16));
        this.reader = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "python-reader");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** The interpreter of a pyenv version (e.g. {@code "2.7.18"}), if installed. */
    static Optional<String> pyenv(String version) {
        Path python = PYENV.resolve(version).resolve("bin/python");
        return Files.isExecutable(python) ? Optional.of(python.toString()) : Optional.empty();
    }

    /** Starts {@code interpreter script args...} in the scripts' directory. */
    static PythonProcess start(String interpreter, String script, String... args) {
        return start(interpreter, scriptDirectory(), script, args);
    }

    /** Starts {@code interpreter script args...} from another folder of test scripts. */
    public static PythonProcess start(String interpreter, Path scripts, String script, String... args) {
        List<String> command = new ArrayList<>(List.of(interpreter, scripts.resolve(script).toString()));
        command.addAll(List.of(args));
        try {
            Path stderr = Files.createTempFile("python-" + script, ".stderr");
            ProcessBuilder builder = new ProcessBuilder(command).directory(scripts.toFile())
                    .redirectError(stderr.toFile());
            builder.environment().put("PYTHONDONTWRITEBYTECODE", "1");
            builder.environment().put("PYTHONHASHSEED", "0");
            return new PythonProcess(builder.start(), stderr);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
    }

    /** Runs a script to completion and returns every frame it wrote to stdout. */
    static List<byte[]> runToCompletion(String interpreter, String script, String... args) {
        try (PythonProcess python = start(interpreter, script, args)) {
            python.out.close();
            List<byte[]> frames = new ArrayList<>();
            for (byte[] frame; (frame = python.receiveOrEnd()) != null; ) frames.add(frame);
            python.awaitExit();
            return frames;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void send(byte[] frame) {
        try {
            out.writeInt(frame.length);
            out.write(frame);
        } catch (IOException e) {
            throw new AssertionError("python stopped reading: " + stderrTail(), e);
        }
    }

    /** Sends the buffer's remaining bytes as one frame (its position is left unchanged). */
    public void send(java.nio.ByteBuffer frame) {
        byte[] copy = new byte[frame.remaining()];
        frame.duplicate().get(copy);
        send(copy);
    }

    void sendText(String text) {
        send(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Flushes what was sent. {@link #receive()} flushes too. */
    void flush() {
        try {
            out.flush();
        } catch (IOException e) {
            throw new AssertionError("python stopped reading: " + stderrTail(), e);
        }
    }

    public byte[] receive() {
        byte[] frame = receiveOrEnd();
        if (frame == null) throw new AssertionError("python closed its output early: " + stderrTail());
        return frame;
    }

    String receiveText() {
        return new String(receive(), StandardCharsets.UTF_8);
    }

    private byte[] receiveOrEnd() {
        flush();
        Future<byte[]> next = reader.submit(() -> {
            int length;
            try {
                length = in.readInt();
            } catch (EOFException end) {
                return null;
            }
            byte[] frame = new byte[length];
            in.readFully(frame);
            return frame;
        });
        try {
            return next.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            process.destroyForcibly();
            throw new AssertionError("no answer from python within " + TIMEOUT_SECONDS + " s: " + stderrTail());
        } catch (ExecutionException e) {
            throw new AssertionError("reading from python failed: " + stderrTail(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private void awaitExit() {
        try {
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new AssertionError("python did not exit: " + stderrTail());
            }
            if (process.exitValue() != 0) {
                throw new AssertionError("python exited with " + process.exitValue() + ": " + stderrTail());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** The last lines python wrote to stderr (its traceback, if it died). */
    String stderrTail() {
        try {
            String text = Files.readString(stderrFile, StandardCharsets.UTF_8);
            return text.isEmpty() ? "(stderr empty)" : text.substring(Math.max(0, text.length() - 3000));
        } catch (IOException e) {
            return "(stderr unreadable: " + e + ")";
        }
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException ignored) {
            // python already gone; nothing to flush
        }
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            reader.shutdownNow();
            try {
                Files.deleteIfExists(stderrFile);
            } catch (IOException ignored) {
                // a temp file; the OS cleans up
            }
        }
    }

    private static Path scriptDirectory() {
        URL url = PythonProcess.class.getResource("/python/pbframes.py");
        if (url == null) throw new IllegalStateException("test resources python/ not on the classpath");
        try {
            return Path.of(url.toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
