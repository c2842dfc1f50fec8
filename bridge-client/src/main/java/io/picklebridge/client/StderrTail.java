package io.picklebridge.client;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Forwards a child process's stderr, line by line, to the SLF4J logger
 * {@code io.picklebridge.client.peer} at INFO (prefixed by the pid), keeping the last
 * {@value #KEPT_LINES} lines for {@link PeerDiedException}. Runs on its own daemon thread.
 *
 * <pre>{@code
 * StderrTail tail = StderrTail.start(process);
 * ... tail.lines();   // ["Traceback (most recent call last):", ..., "ValueError: boom"]
 * }</pre>
 */
final class StderrTail {
    static final int KEPT_LINES = 20;
    private static final Logger log = LoggerFactory.getLogger("io.picklebridge.client.peer");

    private final Deque<String> lines = new ArrayDeque<>();
    private final CompletableFuture<Void> ended = new CompletableFuture<>();

    private StderrTail() {}

    static StderrTail start(Process process) {
        StderrTail tail = new StderrTail();
        long pid = process.pid();
        Thread reader = new Thread(() -> tail.forward(process.getErrorStream(), pid), "pb-client-stderr-" + pid);
        reader.setDaemon(true);
        reader.start();
        return tail;
    }

    private void forward(InputStream stderr, long pid) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(stderr, StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                log.info("[pid {}] {}", pid, line);
                synchronized (lines) {
                    if (lines.size() == KEPT_LINES) lines.removeFirst();
                    lines.addLast(line);
                }
            }
        } catch (IOException e) {
            log.debug("[pid {}] reading stderr failed: {}", pid, e.toString());
        } finally {
            ended.complete(null);
        }
    }

    /** The last lines read, oldest first. */
    List<String> lines() {
        synchronized (lines) {
            return new ArrayList<>(lines);
        }
    }

    /** Completes when stderr reached end of file. */
    CompletableFuture<Void> ended() {
        return ended;
    }
}
