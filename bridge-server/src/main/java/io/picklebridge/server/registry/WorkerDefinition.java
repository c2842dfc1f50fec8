package io.picklebridge.server.registry;

import java.util.Objects;

/**
 * One named worker in the {@link WorkerRegistry}: its name, a human signature for
 * {@code sys.workers()}, an optional one-line doc, and the {@link Worker} that runs it.
 *
 * <pre>{@code
 * WorkerDefinition echo = registry.find("sys.echo");
 * echo.signature();   // "sys.echo(x: Object) -> Object"
 * }</pre>
 */
public record WorkerDefinition(String name, String signature, String doc, Worker worker) {
    public WorkerDefinition {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(signature, "signature");
        Objects.requireNonNull(worker, "worker");
        doc = doc == null ? "" : doc;
    }
}
