package io.picklebridge.server.registry;

/**
 * Contributes workers from a jar dropped on the server's classpath, found through
 * {@link java.util.ServiceLoader}: list the implementation in
 * {@code META-INF/services/io.picklebridge.server.registry.WorkerProvider}.
 *
 * <pre>{@code
 * public final class GeoWorkers implements WorkerProvider {
 *     public void registerWorkers(WorkerRegistry.Builder workers) {
 *         workers.annotated(Geo.class).worker("geo.km", Double.class, miles -> miles * 1.609344);
 *     }
 * }
 * }</pre>
 */
public interface WorkerProvider {
    void registerWorkers(WorkerRegistry.Builder workers);
}
