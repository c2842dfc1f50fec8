package io.picklebridge.client.containers;

import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.startupcheck.OneShotStartupCheckStrategy;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.junit.jupiter.Testcontainers;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What {@code docker compose up --scale bridge-server=2} does, with Testcontainers: two server
 * replicas share the network alias {@code bridge-server} (so its DNS name resolves to both, as
 * compose's does), and the python-peer image runs examples/compose_demo.py against them. The
 * demo exits 0 only when every result is right and the work reached more than one server.
 *
 * <p>Skipped, not failed, where no Docker engine runs.
 */
@Testcontainers(disabledWithoutDocker = true)
class ComposeDemoContainerIT {
    private static final Duration STARTUP = Duration.ofMinutes(10);

    @Test
    void thePythonDemoSpreadsAPoolOverEveryReplica() {
        byte[] key = ContainerImages.newAuthkey();
        List<GenericContainer<?>> replicas = new ArrayList<>();
        try (Network network = Network.newNetwork()) {
            for (int i = 0; i < 2; i++) {
                GenericContainer<?> replica = ContainerImages.withAuthkey(new GenericContainer<>(ContainerImages.serverImage()), key)
                        .withNetwork(network)
                        .withNetworkAliases("bridge-server")
                        .withCommand("--threads", "2")
                        .waitingFor(Wait.forHealthcheck().withStartupTimeout(STARTUP));
                replicas.add(replica);
                replica.start();
            }
            try (GenericContainer<?> demo = ContainerImages.withAuthkey(new GenericContainer<>(ContainerImages.peerImage()), key)
                    .withNetwork(network)
                    .withEnv("PICKLEBRIDGE_SERVICE", "bridge-server")
                    .withEnv("PICKLEBRIDGE_PORT", String.valueOf(ContainerImages.PORT))
                    .withEnv("DEMO_ITEMS", "20000")
                    .withStartupCheckStrategy(new OneShotStartupCheckStrategy().withTimeout(Duration.ofMinutes(3)))) {
                demo.start(); // returns once the demo exited 0; throws with its logs otherwise
                String logs = demo.getLogs();
                assertTrue(logs.contains("picklebridge demo: 2 server(s)"), logs);
                assertTrue(logs.contains("all results correct"), logs);
            }
        } finally {
            replicas.forEach(GenericContainer::stop);
        }
    }
}
