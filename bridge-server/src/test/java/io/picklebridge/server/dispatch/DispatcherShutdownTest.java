package io.picklebridge.server.dispatch;

import io.picklebridge.pickle.PickleCodec;
import io.picklebridge.server.registry.WorkerRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Shutdown reports interrupted work only when there was some (a zero grace on an idle pool is clean). */
class DispatcherShutdownTest {
    private static Dispatcher dispatcher() {
        return new Dispatcher(WorkerRegistry.builder().build(), PickleCodec.defaults(), 2, 16, 0, Map::of);
    }

    @Test
    void anIdlePoolShutsDownCleanlyWithZeroGrace() throws Exception {
        Dispatcher dispatcher = dispatcher();
        CountDownLatch ran = new CountDownLatch(2);
        dispatcher.execute(ran::countDown); // the pool's threads exist and sit idle
        dispatcher.execute(ran::countDown);
        assertTrue(ran.await(20, TimeUnit.SECONDS));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (busyAfterWork(dispatcher) && System.nanoTime() < deadline) Thread.onSpinWait();
        assertTrue(dispatcher.shutdown(Duration.ZERO), "nothing was running, nothing was interrupted");
    }

    @Test
    void aRunningCallIsReportedAsInterrupted() throws Exception {
        Dispatcher dispatcher = dispatcher();
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch interrupted = new CountDownLatch(1);
        dispatcher.execute(() -> {
            started.countDown();
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                interrupted.countDown();
            }
        });
        assertTrue(started.await(20, TimeUnit.SECONDS));
        assertFalse(dispatcher.shutdown(Duration.ZERO));
        assertTrue(interrupted.await(20, TimeUnit.SECONDS));
    }

    /** The latch counts down inside the task: wait until its wrapper has returned too. */
    private static boolean busyAfterWork(Dispatcher dispatcher) {
        return dispatcher.busy() > 0;
    }
}
