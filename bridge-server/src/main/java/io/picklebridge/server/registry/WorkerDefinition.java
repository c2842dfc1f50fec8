package io.picklebridge.server.registry;

import java.util.Objects;

/**
 * One named worker in the {@link WorkerRegistry}: its name, a human signature for
 * {@code sys.workers()}, an optional one-line doc, and the {@link Worker} that runs it.
 *
 * <pre>{@code
 * WorkerDefinition echo = registry.find("sys.echo");
 * echo.signature();   // "sys.echo(x: Object) -> Object"
 * echo.inline();      // true: runs on the event loop that read the call ({@link Work#inline()})
 * }</pre>
 */
public record WorkerDefinition(String name, String signature, String doc, Worker worker, boolean inline) {
    public WorkerDefinition {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(signature, "signature");
        Objects.requireNonNull(worker, "worker");
        doc = doc == null ? "" : doc;
    }

    /** A worker that runs on the worker threads. */
    public WorkerDefinition(String name, String signature, String doc, Worker worker) {
        this(name, signature, doc, worker, false);
    }

    /** The same worker, run inline on the event loop or not (see {@link Work#inline()}). */
    public WorkerDefinition withInline(boolean inline) {
        return new WorkerDefinition(name, signature, doc, worker, inline);
    }
}
