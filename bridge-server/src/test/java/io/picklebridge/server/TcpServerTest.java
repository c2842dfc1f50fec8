package io.picklebridge.server;

import io.picklebridge.pickle.PyTuple;
import io.picklebridge.wire.AuthenticationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The server over real TCP sockets: calls, authentication, interruption, hostile input, backpressure. */
class TcpServerTest {
    static final byte[] KEY = "tcp-test-key".getBytes();
    static BridgeServer server;
    static InetSocketAddress address;
    static volatile CountDownLatch started = new CountDownLatch(1);
    static volatile CountDownLatch interrupted = new CountDownLatch(1);

    @BeforeAll
    static void start() throws Exception {
        server = BridgeServer.builder().listen("tcp://127.0.0.1:0").authkey(KEY).threads(4).maxInFlight(64)
                .shutdownGrace(Duration.ZERO)
                .worker("test.block", () -> {
                    started.countDown();
                    try {
                        Thread.sleep(60_000);
                    } catch (InterruptedException e) {
                        interrupted.countDown();
                        throw e;
                    }
                    return "not interrupted";
                })
                .start();
        address = new InetSocketAddress("127.0.0.1", server.tcpPort());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static void resetLatches() {
        started = new CountDownLatch(1);
        interrupted = new CountDownLatch(1);
    }

    private static Map<?, ?> errorInfo(PyTuple reply) {
        assertEquals("error", reply.get(0), reply.toString());
        return (Map<?, ?>) reply.get(2);
    }

    @Test
    void announcesItsAddressAndServesCalls() throws Exception {
        assertEquals(List.of("tcp://127.0.0.1:" + server.tcpPort()), server.addresses());
        try (TestClient client = TestClient.connect(address, KEY)) {
            assertEquals(PyTuple.of("result", 1L, "pong"), client.call(1, "sys.ping"));
            assertEquals(PyTuple.of("result", 2L, 81L), client.call(2, "demo.square", 9L));
            assertEquals("ValueError", errorInfo(client.call(3, "sys.fail", "java.lang.IllegalArgumentException", "no")).get("type"));
        }
    }

    @Test
    void wrongKeyIsRefused() {
        try (TestClient client = TestClient.connect(address, "wrong".getBytes())) {
            assertTrue(client.awaitClosed());
            assertTrue(client.replies.isEmpty());
            assertTrue(client.failures.stream().anyMatch(f -> f instanceof AuthenticationException), client.failures.toString());
        }
    }

    @Test
    void noKeyGetsOnlyTheChallengeAndIsClosed() throws Exception {
        try (Socket socket = new Socket(address.getAddress(), address.getPort())) {
            socket.setSoTimeout(20_000);
            byte[] frame = TestClient.CODEC.dumps(PyTuple.of("call", 1L, "sys.ping", PyTuple.empty(), Map.of()));
            OutputStream out = socket.getOutputStream();
            out.write(new byte[] {0, 0, 0, (byte) frame.length});
            out.write(frame);
            byte[] all = socket.getInputStream().readAllBytes(); // until the server closes
            String text = new String(all, java.nio.charset.StandardCharsets.ISO_8859_1);
            assertTrue(text.contains("#CHALLENGE#"), text);
            assertFalse(text.contains("pong"));
        }
    }

    @Test
    void cancelInterruptsTheRunningCall() throws Exception {
        resetLatches();
        try (TestClient client = TestClient.connect(address, KEY)) {
            client.send(PyTuple.of("call", 7L, "test.block", PyTuple.empty(), Map.of()));
            assertTrue(started.await(20, TimeUnit.SECONDS));
            client.send(PyTuple.of("cancel", 7L));
            PyTuple reply = (PyTuple) client.recv();
            assertEquals(7L, reply.get(1));
            assertEquals("CancelledError", errorInfo(reply).get("type"));
            assertTrue(interrupted.await(20, TimeUnit.SECONDS), "the worker thread was not interrupted");
            assertEquals(PyTuple.of("result", 8L, "pong"), client.call(8, "sys.ping"));
            assertTrue(client.replies.isEmpty(), "exactly one reply per request");
        }
    }

    @Test
    void disconnectInterruptsTheConnectionsCalls() throws Exception {
        resetLatches();
        TestClient client = TestClient.connect(address, KEY);
        client.send(PyTuple.of("call", 1L, "test.block", PyTuple.empty(), Map.of()));
        assertTrue(started.await(20, TimeUnit.SECONDS));
        client.close();
        assertTrue(interrupted.await(20, TimeUnit.SECONDS), "the worker thread was not interrupted");
    }

    @Test
    void timeoutFailsTheCallAndInterruptsIt() throws Exception {
        resetLatches();
        try (TestClient client = TestClient.connect(address, KEY)) {
            client.send(PyTuple.of("call", 1L, "test.block", PyTuple.empty(), Map.of(), Map.of("timeout", 0.2)));
            PyTuple reply = (PyTuple) client.recv();
            Map<?, ?> info = errorInfo(reply);
            assertEquals("TimeoutError", info.get("type"));
            assertEquals("test.block", info.get("worker"));
            assertTrue(interrupted.await(20, TimeUnit.SECONDS));
        }
    }

    @Test
    void theServersDefaultTimeoutAppliesToCallsWithoutOne() throws Exception {
        try (BridgeServer timed = BridgeServer.builder().listen("tcp://127.0.0.1:0").authkey(KEY)
                .callTimeout(Duration.ofMillis(200)).shutdownGrace(Duration.ZERO).start();
             TestClient client = TestClient.connect(new InetSocketAddress("127.0.0.1", timed.tcpPort()), KEY)) {
            Map<?, ?> info = errorInfo(client.call(1, "sys.sleep", 30L));
            assertEquals("TimeoutError", info.get("type"));
            assertEquals(PyTuple.of("result", 2L, "pong"), client.call(2, "sys.ping"));
        }
    }

    /** Pickles meant to exhaust memory or stack, or to run code; each must be refused. */
    private static List<byte[]> pickleBombs() {
        byte[] marks = new byte[1_000_003];
        java.util.Arrays.fill(marks, (byte) '(');
        marks[0] = (byte) 0x80;
        marks[1] = 2;
        marks[marks.length - 1] = '.';                                   // a million MARKs
        byte[] nested = new byte[200_003];
        java.util.Arrays.fill(nested, 2, 100_002, (byte) '(');
        java.util.Arrays.fill(nested, 100_002, 200_002, (byte) 't');
        nested[0] = (byte) 0x80;
        nested[1] = 2;
        nested[nested.length - 1] = '.';                                 // tuples nested 100k deep
        return List.of(marks, nested,
                new byte[] {(byte) 0x80, 2, 'X', -1, -1, -1, 0x7f, 'a', '.'},  // a 2 GiB str that is not there
                "\u0080\u0002cos\nsystem\nX\u0002\u0000\u0000\u0000lsq\u0000\u0085R.".getBytes(
                        java.nio.charset.StandardCharsets.ISO_8859_1),   // os.system('ls'): only a PyObject
                new byte[] {(byte) 0x80, 2, 'h', 5, '.'});                // a memo entry that does not exist
    }

    private static byte[] framed(byte[] payload) {
        return java.nio.ByteBuffer.allocate(4 + payload.length).putInt(payload.length).put(payload).array();
    }

    @Test
    void hostileInputNeverDisturbsOtherConnections() throws Exception {
        try (TestClient healthy = TestClient.connect(address, KEY)) {
            assertEquals(PyTuple.of("result", 1L, "pong"), healthy.call(1, "sys.ping"));

            try (TestClient hostile = TestClient.connect(address, KEY)) {
                hostile.send(PyTuple.of("ping", 0L)); // completes the handshake
                assertEquals(PyTuple.of("pong", 0L), hostile.recv());
                hostile.sendRaw(new byte[] {0, 0, 0, 4, (byte) 0x80, 5, 'X', '.'});          // bad opcode
                assertNull(((PyTuple) hostile.recv()).get(1));
                hostile.sendRaw(new byte[] {0, 0, 0, 3, 'a', 'b', 'c'});                       // not a pickle
                assertNull(((PyTuple) hostile.recv()).get(1));
                hostile.send(PyTuple.of("call", 5L));                                           // wrong shape
                PyTuple shape = (PyTuple) hostile.recv();
                assertEquals(5L, shape.get(1));
                assertEquals("ProtocolError", errorInfo(shape).get("type"));
                hostile.send(PyTuple.of("call", 6L, "sys.echo", "not a tuple", Map.of()));
                assertEquals(6L, ((PyTuple) hostile.recv()).get(1));
                hostile.send(Map.of("call", 1L));                                              // not a tuple
                assertNull(((PyTuple) hostile.recv()).get(1));
                for (byte[] bomb : pickleBombs()) {
                    hostile.sendRaw(framed(bomb));
                    PyTuple refused = (PyTuple) hostile.recv();
                    assertNull(refused.get(1));
                    assertEquals("ProtocolError", errorInfo(refused).get("type"));
                }
                hostile.send(PyTuple.of("call", 9L, "sys.echo", PyTuple.of(1L), Map.of()));     // still usable
                assertEquals(PyTuple.of("result", 9L, 1L), hostile.recv());
                // a declared length of 2**40 bytes: refused before anything is buffered
                hostile.sendRaw(new byte[] {-1, -1, -1, -1, 0, 0, 1, 0, 0, 0, 0, 0, 1, 2, 3});
                PyTuple fatal = (PyTuple) hostile.recv();
                assertNull(fatal.get(1));
                assertEquals("ProtocolError", errorInfo(fatal).get("type"));
                assertTrue(hostile.awaitClosed());
            }
            try (TestClient negative = TestClient.connect(address, KEY)) {
                negative.send(PyTuple.of("ping", 0L));
                negative.recv();
                negative.sendRaw(new byte[] {-1, -1, -1, -5, 1, 2, 3});
                negative.recv();
                assertTrue(negative.awaitClosed());
            }
            for (long id = 10; id < 20; id++) {
                assertEquals(PyTuple.of("result", id, id), healthy.call(id, "sys.echo", id));
            }
        }
    }

    @Test
    void aClientThatSendsFasterThanWorkersRunIsPausedNotBuffered() throws Exception {
        long pausesBefore = server.stats().backpressurePauses();
        byte[] padding = new byte[4 * 1024];
        int frameLength = TestClient.CODEC.dumps(PyTuple.of("call", 0L, "test.slow", PyTuple.of(padding), Map.of())).length;
        AtomicLong framesWritten = new AtomicLong();
        int total = 20_000; // 80 MB of requests if the server read them all
        // a raw socket that never reads: a second server without an authkey keeps it simple
        try (BridgeServer open = BridgeServer.builder().listen("tcp://127.0.0.1:0").allowUnauthenticatedTcp(true)
                .threads(1).maxInFlight(16).shutdownGrace(Duration.ZERO)
                .worker("test.slow", byte[].class, bytes -> {
                    Thread.sleep(5);
                    return null;
                })
                .start();
             Socket socket = new Socket("127.0.0.1", open.tcpPort())) {
            Thread writer = new Thread(() -> {
                try {
                    OutputStream out = socket.getOutputStream();
                    for (int i = 0; i < total; i++) {
                        byte[] frame = TestClient.CODEC.dumps(PyTuple.of("call", (long) i, "test.slow", PyTuple.of(padding), Map.of()));
                        out.write(new byte[] {(byte) (frame.length >>> 24), (byte) (frame.length >>> 16),
                                (byte) (frame.length >>> 8), (byte) frame.length});
                        out.write(frame);
                        framesWritten.incrementAndGet();
                    }
                } catch (Exception closed) {
                    // the socket is closed at the end of the test
                }
            }, "fast-sending-client");
            writer.setDaemon(true);
            writer.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (open.stats().backpressurePauses() == 0 && System.nanoTime() < deadline) Thread.sleep(10);
            assertTrue(open.stats().backpressurePauses() > 0, "the server never stopped reading; requests "
                    + open.stats().requests() + ", errors " + open.stats().errors() + ", max in flight " + open.stats().maxInFlight()
                    + ", frames written " + framesWritten.get());
            while (open.stats().backpressurePauses() < 3 && System.nanoTime() < deadline) Thread.sleep(10);
            assertTrue(open.stats().backpressurePauses() >= 3, "reading resumed and paused again");
            assertTrue(framesWritten.get() < total, "the server kept reading everything the client sent");
            // stops at the limit; frames already read in the same 64 KiB read still count
            long bound = 16 + 64 * 1024 / frameLength + 1;
            assertTrue(open.stats().maxInFlight() <= bound, "in flight: " + open.stats().maxInFlight() + " > " + bound);
            socket.close();
            writer.join(10_000);
            try (TestClient after = TestClient.connect(new InetSocketAddress("127.0.0.1", open.tcpPort()), null)) {
                assertEquals(PyTuple.of("result", 1L, "pong"), after.call(1, "sys.ping"));
            }
        }
        assertEquals(pausesBefore, server.stats().backpressurePauses(), "other servers are untouched");
    }

    /**
     * A slow reader cancels a long stream after three items: the producer stops, the items
     * still queued in the server are dropped, and the ping sent with the cancel is answered
     * after a bounded number of further items, not after the rest of the stream.
     */
    @Test
    void cancellingAStreamDropsItsQueuedItems() throws Exception {
        long limit = 200_000; // of 5M; without the per-stream window, millions arrive first
        try (TestClient client = TestClient.connect(address, KEY)) {
            AtomicLong items = new AtomicLong();
            AtomicLong itemsWhenCancelled = new AtomicLong(-1);
            java.util.concurrent.BlockingQueue<Object> others = new java.util.concurrent.LinkedBlockingQueue<>();
            client.onReply(reply -> {
                PyTuple message = (PyTuple) reply;
                if (!"item".equals(message.get(0))) {
                    others.add(message);
                    return;
                }
                long n = items.incrementAndGet();
                java.util.concurrent.locks.LockSupport.parkNanos(5_000); // a reader slower than the producer
                if (n == 3) {
                    itemsWhenCancelled.set(n);
                    client.send(PyTuple.of("cancel", 1L));
                    client.send(PyTuple.of("ping", "after-cancel"));
                } else if (n > limit) {
                    client.channel.close();
                }
            });
            client.send(PyTuple.of("call", 1L, "demo.count", PyTuple.of(5_000_000L), Map.of(), Map.of("stream", true)));
            PyTuple first = (PyTuple) others.poll(20, TimeUnit.SECONDS);
            assertTrue(items.get() <= limit, "items kept coming after the cancel: " + items.get());
            PyTuple second = (PyTuple) others.poll(20, TimeUnit.SECONDS);
            assertEquals(3L, itemsWhenCancelled.get());
            assertEquals("CancelledError", errorInfo(first).get("type"), String.valueOf(first));
            assertEquals(PyTuple.of("pong", "after-cancel"), second);
        }
    }
}
