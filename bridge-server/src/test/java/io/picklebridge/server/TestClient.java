package io.picklebridge.server;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDomainSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.picklebridge.pickle.PickleCodec;
import io.picklebridge.pickle.PyTuple;
import io.picklebridge.wire.ClientHandshakeHandler;
import io.picklebridge.wire.FrameDecoder;
import io.picklebridge.wire.FrameEncoder;

import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * A minimal test client on the shared wire classes (the real bridge-client is tested on its
 * own): frames, the authkey handshake, pickled messages in and out.
 */
public final class TestClient implements AutoCloseable {
    static final PickleCodec CODEC = PickleCodec.defaults();
    private static final EventLoopGroup GROUP = new MultiThreadIoEventLoopGroup(2,
            new DefaultThreadFactory("test-client", true), NioIoHandler.newFactory());

    final Channel channel;
    final BlockingQueue<Object> replies = new LinkedBlockingQueue<>();
    final BlockingQueue<Throwable> failures = new LinkedBlockingQueue<>();
    private volatile Consumer<Object> listener;

    private TestClient(Channel channel) {
        this.channel = channel;
    }

    /** Connects to a TCP or Unix address; with a key, the handshake runs first. */
    public static TestClient connect(SocketAddress address, byte[] authkey) {
        TestClient[] client = new TestClient[1];
        Bootstrap bootstrap = new Bootstrap().group(GROUP)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new FrameDecoder(), FrameEncoder.INSTANCE);
                        if (authkey != null) ch.pipeline().addLast(new ClientHandshakeHandler(authkey));
                        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                ByteBuf frame = (ByteBuf) msg;
                                Object value;
                                try {
                                    value = CODEC.loads(frame.nioBuffer());
                                } finally {
                                    frame.release();
                                }
                                Consumer<Object> l = client[0].listener;
                                if (l != null) l.accept(value);
                                else client[0].replies.add(value);
                            }

                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                client[0].failures.add(cause);
                                ctx.close();
                            }
                        });
                    }
                });
        if (address instanceof UnixDomainSocketAddress) {
            bootstrap.channel(NioDomainSocketChannel.class);
        } else {
            bootstrap.channel(NioSocketChannel.class).option(ChannelOption.TCP_NODELAY, true);
        }
        Channel ch = bootstrap.register().syncUninterruptibly().channel();
        client[0] = new TestClient(ch);
        ch.connect(address).syncUninterruptibly();
        return client[0];
    }

    /** Receives replies on the event loop instead of queueing them. */
    void onReply(Consumer<Object> listener) {
        this.listener = listener;
    }

    void send(Object message) {
        channel.writeAndFlush(Unpooled.wrappedBuffer(CODEC.dumps(message)));
    }

    /** Writes raw bytes, bypassing the frame encoder (for hostile input). */
    void sendRaw(byte[] bytes) {
        channel.pipeline().firstContext().writeAndFlush(Unpooled.wrappedBuffer(bytes));
    }

    Object recv() throws InterruptedException {
        Object reply = replies.poll(20, TimeUnit.SECONDS);
        assertNotNull(reply, "no reply within 20 s");
        return reply;
    }

    PyTuple call(long id, String worker, Object... args) throws InterruptedException {
        send(PyTuple.of("call", id, worker, PyTuple.of(args), Map.of()));
        return (PyTuple) recv();
    }

    Object ping(Object payload) throws InterruptedException {
        send(PyTuple.of("ping", payload));
        return recv();
    }

    boolean awaitClosed() {
        return channel.closeFuture().awaitUninterruptibly(20, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
    }
}
