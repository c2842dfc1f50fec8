package io.picklebridge.wire;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.ReferenceCountUtil;
import io.picklebridge.pickle.PickleCodec;
import io.picklebridge.pickle.PyTuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link ClientHandshakeHandler} and {@link MessageCodec} against a stock {@code multiprocessing.connection.Listener}. */
class StockPythonListenerTest {
    @TempDir
    static Path dir;

    private static EventLoopGroup group;
    private static Path keyFile;

    @BeforeAll
    static void start() throws Exception {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        keyFile = Authkeys.generate(dir.resolve("authkey"));
    }

    @AfterAll
    static void stop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static Channel connect(int port, byte[] key, boolean messages, Recorder inbox) throws InterruptedException {
        return new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new FrameDecoder(), FrameEncoder.INSTANCE, new ClientHandshakeHandler(key));
                        if (messages) ch.pipeline().addLast(new MessageCodec(PickleCodec.defaults(), 4));
                        ch.pipeline().addLast(inbox);
                    }
                })
                .connect("127.0.0.1", port).sync().channel();
    }

    private static int port(Process listener) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(listener.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        try {
            return Integer.parseInt(line);
        } catch (NumberFormatException e) {
            throw new AssertionError("listener printed " + line);
        }
    }

    private static String rest(Process listener) throws Exception {
        assertTrue(listener.waitFor(20, TimeUnit.SECONDS), "listener did not exit");
        return new String(listener.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @ValueSource(strings = {"3.6", "python3", "3.13"})
    void authenticatesAndExchangesFrames(String python) throws Exception {
        Process listener = Pythons.start(python, "stock_listener.py", keyFile, "bytes");
        try {
            Recorder inbox = new Recorder();
            Channel ch = connect(port(listener), Authkeys.read(keyFile), false, inbox);
            ch.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {1, 2, 3})); // held back until authenticated
            // CPython up to 3.11 answers with raw HMAC-MD5; 3.12+ with {sha256}
            String expectedDigest = python.equals("3.13") ? "sha256" : "md5";
            assertEquals(new HandshakeCompleted(expectedDigest), inbox.next());
            Object echoed = inbox.next();
            try {
                assertEquals(Unpooled.wrappedBuffer(new byte[] {1, 2, 3}), echoed);
            } finally {
                ReferenceCountUtil.release(echoed);
            }
            ch.close().sync();
            assertTrue(rest(listener).contains("done"));
        } finally {
            listener.destroyForcibly();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"3.6", "python3", "3.13"})
    void callsAPythonPeerWithMessages(String python) throws Exception {
        Process listener = Pythons.start(python, "stock_listener.py", keyFile, "call");
        try {
            Recorder inbox = new Recorder();
            Channel ch = connect(port(listener), Authkeys.read(keyFile), true, inbox);
            ch.writeAndFlush(Call.of(5, "echo", List.of(1L, "two", 3.0)));
            assertInstanceOf(HandshakeCompleted.class, inbox.next());
            assertEquals(new Result(5, List.of(1L, "two", 3.0)), inbox.next());
            ch.writeAndFlush(Call.of(6, "echo", PyTuple.of("x", 7L)));
            assertEquals(new Result(6, PyTuple.of("x", 7L)), inbox.next());
            ch.close().sync();
            assertTrue(rest(listener).contains("done"));
        } finally {
            listener.destroyForcibly();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"3.6", "3.13"})
    void aWrongKeyFailsOnBothSides(String python) throws Exception {
        Process listener = Pythons.start(python, "stock_listener.py", keyFile, "bytes");
        try {
            Recorder inbox = new Recorder();
            byte[] wrong = (new String(Files.readAllBytes(keyFile), StandardCharsets.ISO_8859_1) + "x")
                    .getBytes(StandardCharsets.ISO_8859_1);
            Channel ch = connect(port(listener), wrong, false, inbox);
            AuthenticationException e = assertInstanceOf(AuthenticationException.class, inbox.next());
            assertEquals("digest sent was rejected", e.getMessage());
            assertTrue(ch.closeFuture().await(10, TimeUnit.SECONDS));
            assertTrue(rest(listener).contains("AuthenticationError"));
        } finally {
            listener.destroyForcibly();
        }
    }
}
