package io.picklebridge.server;

import io.netty.util.ResourceLeakDetector;
import io.picklebridge.pickle.PyTuple;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** 64 concurrent clients x 10k pipelined calls each: no reply lost, duplicated or misrouted. */
class LoadTest {
    static final int CLIENTS = 64;
    static final int CALLS = Integer.getInteger("pb.loadCalls", 10_000);
    static final int WINDOW = 256;
    static final int BATCH = 32;

    @Test
    void everyReplyArrivesOnceOnItsOwnConnection() throws Exception {
        // paranoid leak tracking records a stack trace per buffer: fine for the other tests, but
        // here it would measure the tracker, not the server; leaks are covered elsewhere
        ResourceLeakDetector.Level level = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.SIMPLE);
        try {
            run();
        } finally {
            ResourceLeakDetector.setLevel(level);
        }
    }

    private void run() throws Exception {
        byte[] key = "load".getBytes();
        try (BridgeServer server = BridgeServer.builder().listen("tcp://127.0.0.1:0").authkey(key)
                .shutdownGrace(Duration.ZERO).start()) {
            InetSocketAddress address = new InetSocketAddress("127.0.0.1", server.tcpPort());
            ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
            CountDownLatch done = new CountDownLatch(CLIENTS);
            List<TestClient> clients = new ArrayList<>();
            List<Thread> senders = new ArrayList<>();
            AtomicLong received = new AtomicLong();
            long startNanos = System.nanoTime();
            for (int c = 0; c < CLIENTS; c++) {
                int clientIndex = c;
                TestClient client = TestClient.connect(address, key);
                clients.add(client);
                assertEquals(PyTuple.of("pong", 0L), client.ping(0L)); // handshake done: raw writes are safe now
                Semaphore window = new Semaphore(WINDOW);
                boolean[] seen = new boolean[CALLS];
                int[] count = new int[1];
                client.onReply(reply -> { // one event loop thread per channel: no locking needed
                    PyTuple t = (PyTuple) reply;
                    long id = (Long) t.get(1);
                    long expected = clientIndex * 1_000_000L + id;
                    if (!"result".equals(t.get(0)) || !Long.valueOf(expected).equals(t.get(2))) {
                        problems.add("client " + clientIndex + " got " + t);
                    } else if (seen[(int) id]) {
                        problems.add("client " + clientIndex + " got id " + id + " twice");
                    } else {
                        seen[(int) id] = true;
                    }
                    received.incrementAndGet();
                    window.release();
                    if (++count[0] == CALLS) done.countDown();
                });
                Thread sender = new Thread(() -> {
                    // frames are written in batches, as a pipelining client does, so that the
                    // test's own client costs little CPU next to the server
                    for (int first = 0; first < CALLS; first += BATCH) {
                        int n = Math.min(BATCH, CALLS - first);
                        window.acquireUninterruptibly(n);
                        java.io.ByteArrayOutputStream frames = new java.io.ByteArrayOutputStream(n * 64);
                        for (int id = first; id < first + n; id++) {
                            byte[] pickle = TestClient.CODEC.dumps(PyTuple.of("call", (long) id, "sys.echo",
                                    PyTuple.of(clientIndex * 1_000_000L + id), Map.of()));
                            frames.write(pickle.length >>> 24);
                            frames.write(pickle.length >>> 16);
                            frames.write(pickle.length >>> 8);
                            frames.write(pickle.length);
                            frames.writeBytes(pickle);
                        }
                        client.sendRaw(frames.toByteArray());
                    }
                }, "load-sender-" + c);
                sender.setDaemon(true);
                senders.add(sender);
            }
            senders.forEach(Thread::start);
            boolean finished = done.await(120, TimeUnit.SECONDS);
            double seconds = (System.nanoTime() - startNanos) / 1e9;
            System.err.printf("load: %d calls in %.2f s (%.0f calls/s)%n", received.get(), seconds, received.get() / seconds);
            for (int c = 0; c < CLIENTS; c++) {
                if (!clients.get(c).failures.isEmpty()) problems.add("client " + c + ": " + clients.get(c).failures);
            }
            clients.forEach(TestClient::close);
            assertTrue(problems.isEmpty(), problems.stream().limit(5).toList().toString());
            assertTrue(finished, "received " + received.get() + " of " + (long) CLIENTS * CALLS);
            assertEquals((long) CLIENTS * CALLS, received.get());
            assertEquals((long) CLIENTS * CALLS, server.stats().requests());
        }
    }
}
