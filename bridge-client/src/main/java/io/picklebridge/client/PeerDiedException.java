package io.picklebridge.client;

import java.util.List;

/**
 * The spawned peer process exited while calls were pending (or was gone before the call).
 * Carries its exit code and the last lines it wrote to stderr, which usually say why
 * (a Python traceback, {@code No module named picklebridge}, an {@code OutOfMemoryError}).
 *
 * <pre>{@code
 * catch (CompletionException e) {
 *     if (e.getCause() instanceof PeerDiedException d) log.error("peer exited {}: {}", d.exitCode(), d.stderrTail());
 * }
 * }</pre>
 */
public final class PeerDiedException extends ConnectionClosedException {
    private static final long serialVersionUID = 1L;

    private final Integer exitCode;
    private final List<String> stderrTail;

    /** @param exitCode null when the process had not exited yet when the pipes closed */
    public PeerDiedException(String peer, Integer exitCode, List<String> stderrTail) {
        super(peer, describe(peer, exitCode, stderrTail), null);
        this.exitCode = exitCode;
        this.stderrTail = List.copyOf(stderrTail);
    }

    private static String describe(String peer, Integer exitCode, List<String> stderrTail) {
        StringBuilder s = new StringBuilder("peer process ").append(peer);
        s.append(exitCode == null ? " closed its pipes" : " exited with code " + exitCode);
        if (!stderrTail.isEmpty()) {
            s.append("; last stderr lines:");
            for (String line : stderrTail) s.append("\n  ").append(line);
        }
        return s.toString();
    }

    /** The exit code, or null when the process closed its pipes but had not exited in time. */
    public Integer exitCode() {
        return exitCode;
    }

    /** The last lines of the process's stderr (at most 20), oldest first. */
    public List<String> stderrTail() {
        return stderrTail;
    }
}
