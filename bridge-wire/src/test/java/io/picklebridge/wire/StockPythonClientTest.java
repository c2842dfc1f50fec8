package io.picklebridge.wire;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.picklebridge.pickle.PickleCodec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Stock {@code multiprocessing.connection.Client(address, authkey=...)} from several CPython
 * versions against a Netty server built from this module's handlers.
 */
class StockPythonClientTest {
    @TempDir
    static Path dir;

    private static EventLoopGroup group;
    private static Path keyFile;
    private static int bytesPort;
    private static int messagesPort;
    private static final Queue<Throwable> serverErrors = new ConcurrentLinkedQueue<>();

    @BeforeAll
    static void startServers() throws Exception {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        keyFile = Authkeys.generate(dir.resolve("authkey"));
        byte[] key = Authkeys.read(keyFile);
        bytesPort = bind(key, false);
        messagesPort = bind(key, true);
    }

    private static int bind(byte[] key, boolean messages) throws InterruptedException {
        Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new FrameDecoder(), FrameEncoder.INSTANCE, new ServerHandshakeHandler(key));
                        if (messages) ch.pipeline().addLast(new MessageCodec(PickleCodec.defaults()));
                        ch.pipeline().addLast(new EchoHandler());
                    }
                })
                .bind("127.0.0.1", 0).sync().channel();
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    @AfterAll
    static void stopServers() {
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    @AfterEach
    void noUnexpectedServerErrors() {
        List<Throwable> errors = new ArrayList<>(serverErrors);
        serverErrors.clear();
        errors.removeIf(e -> e instanceof AuthenticationException);
        assertTrue(errors.isEmpty(), () -> "server errors: " + errors);
    }

    @ParameterizedTest
    @ValueSource(strings = {"2.7", "3.6", "3.8", "python3", "3.12", "3.13"})
    void framesRoundTripAfterTheHandshake(String python) throws Exception {
        Pythons.Outcome outcome = Pythons.run(python, "stock_client.py", "127.0.0.1", bytesPort, keyFile, "bytes");
        assertEquals(0, outcome.exitCode(), outcome::toString);
        assertTrue(outcome.output().startsWith("ok bytes"), outcome::toString);
    }

    @ParameterizedTest
    @ValueSource(strings = {"2.7", "3.6", "3.8", "python3", "3.12", "3.13"})
    void callsAreAnsweredAndBadMessagesGetErrors(String python) throws Exception {
        Pythons.Outcome outcome = Pythons.run(python, "stock_client.py", "127.0.0.1", messagesPort, keyFile, "call");
        assertEquals(0, outcome.exitCode(), outcome::toString);
        assertTrue(outcome.output().startsWith("ok call 'call' message: worker (item 2) must be a str, got int"),
                outcome::toString);
    }

    @ParameterizedTest
    @ValueSource(strings = {"2.7", "3.6", "python3", "3.13"})
    void aWrongKeyIsRefused(String python) throws Exception {
        int before = serverErrors.size();
        Pythons.Outcome outcome = Pythons.run(python, "stock_client.py", "127.0.0.1", bytesPort, keyFile, "wrongkey");
        assertEquals(0, outcome.exitCode(), outcome::toString);
        assertTrue(outcome.output().startsWith("ok AuthenticationError"), outcome::toString);
        for (int i = 0; i < 100 && serverErrors.size() == before; i++) {
            Thread.sleep(50); // the server fires the error right after sending #FAILURE#
        }
        assertInstanceOf(AuthenticationException.class, new ArrayList<>(serverErrors).get(before));
    }

    @ParameterizedTest
    @ValueSource(strings = {"python3", "3.13"})
    void aClientWithoutKeyNeverReachesTheApplication(String python) throws Exception {
        int before = serverErrors.size();
        Pythons.Outcome outcome = Pythons.run(python, "stock_client.py", "127.0.0.1", messagesPort, keyFile, "nokey");
        assertEquals(0, outcome.exitCode(), outcome::toString);
        // it receives the challenge frame as its reply and cannot unpickle it
        assertTrue(outcome.output().startsWith("ok refused UnpicklingError invalid load key, '#'"), outcome::toString);
        for (int i = 0; i < 100 && serverErrors.size() == before; i++) {
            Thread.sleep(50);
        }
        assertInstanceOf(AuthenticationException.class, new ArrayList<>(serverErrors).get(before));
    }

    /** Echoes frames, answers calls with their first argument, pings with pongs, bad messages with errors. */
    private static final class EchoHandler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof ByteBuf frame) {
                ctx.writeAndFlush(frame);
            } else if (msg instanceof Call call) {
                ctx.writeAndFlush(new Result(call.id(), call.args().get(0)));
            } else if (msg instanceof Ping ping) {
                ctx.writeAndFlush(new Pong(ping.payload()));
            } else {
                ctx.writeAndFlush(ErrorReply.connectionLevel(ErrorInfo.protocolError("unexpected " + msg)));
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof ProtocolException e) {
                ctx.writeAndFlush(e.toErrorReply());
                return;
            }
            serverErrors.add(cause);
            ctx.close();
        }
    }
}
