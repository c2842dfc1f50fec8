package io.picklebridge.server.registry;

/** Listed in META-INF/services for the ServiceLoader test. */
public final class TestWorkerProvider implements WorkerProvider {
    @Override
    public void registerWorkers(WorkerRegistry.Builder workers) {
        workers.worker("plugin.twice", Long.class, n -> n * 2);
    }
}
