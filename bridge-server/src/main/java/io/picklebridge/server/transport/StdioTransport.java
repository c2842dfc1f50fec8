package io.picklebridge.server.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalIoHandler;
import io.netty.channel.local.LocalServerChannel;
import io.netty.channel.socket.nio.NioDomainSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One connection over the process's own stdin and stdout, for a JVM that Python spawned.
 *
 * <p>When stdin is a socket (Python handed over one end of a {@code socketpair} as stdin and
 * stdout) it becomes an ordinary socket channel on the server's event loops: epoll on fd 0, or
 * the NIO channel {@link System#inheritedChannel()} gives. With plain pipes, a {@link PipeChannel}
 * on an epoll loop of its own reads stdin and writes stdout (one thread does it all: read,
 * decode, inline worker, reply); without epoll, a daemon thread copies stdin into an in-JVM
 * {@link LocalChannel} whose other end runs the usual server pipeline, and the replies coming
 * out of it are written to stdout; the thread stops reading stdin while the server pauses that
 * connection or while more than {@value #MAX_PENDING_OUTPUT} bytes of replies wait for stdout
 * (backpressure both ways).
 *
 * <pre>{@code
 * Channel stdio = StdioTransport.stdinIsSocket() ? StdioTransport.openSocket(io, group, pipeline)
 *                                                : StdioTransport.openPipes(pipeline);
 * stdio.closeFuture().addListener(f -> exit());   // stdin reached end of file: the parent is gone
 * }</pre>
 */
public final class StdioTransport {
    private static final Logger log = LoggerFactory.getLogger(StdioTransport.class);
    static final long MAX_PENDING_OUTPUT = 16 << 20;
    static final long MAX_PENDING_INPUT = 4 << 20;
    private static final int READ_CHUNK = 64 * 1024;

    private StdioTransport() {}

    /** True when fd 0 is a socket (Linux: {@code /proc/self/fd/0 -> socket:[inode]}). */
    public static boolean stdinIsSocket() {
        try {
            return Files.readSymbolicLink(Path.of("/proc/self/fd/0")).toString().startsWith("socket:");
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /**
     * Stdin is a socket: serve it on the given loops (falls back to pipes if it is not a stream
     * socket). {@code System.out} must no longer be used by anything else.
     */
    public static Channel openSocket(NativeTransport io, EventLoopGroup group, ChannelHandler pipeline) throws IOException {
        Channel socket = socketChannel(io);
        if (socket == null) return openPipes(pipeline);
        socket.pipeline().addLast(pipeline);
        group.register(socket).syncUninterruptibly();
        log.debug("stdio: stdin is a socket, using {}", socket.getClass().getSimpleName());
        return socket;
    }

    private static Channel socketChannel(NativeTransport io) throws IOException {
        java.nio.channels.Channel inherited = System.inheritedChannel();
        if (!(inherited instanceof SocketChannel socket)) return null;
        boolean unix = socket.getLocalAddress() instanceof UnixDomainSocketAddress;
        if (io.isEpoll()) {
            return unix ? new EpollDomainSocketChannel(0) : new EpollSocketChannel(0);
        }
        return unix ? new NioDomainSocketChannel(socket) : new NioSocketChannel(socket);
    }

    /**
     * Stdin and stdout are pipes: a {@link PipeChannel} on an epoll loop of its own where
     * Netty's native epoll loads (one thread reads, runs inline workers and writes), else the
     * in-JVM bridge of {@link #openPipesBridged}.
     */
    public static Channel openPipes(ChannelHandler pipeline) throws IOException {
        if (!Files.isRegularFile(Path.of("/proc/self/fd/0")) && Epoll.isAvailable()) {
            EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("pb-stdio", true),
                    EpollIoHandler.newFactory());
            FileInputStream stdin = new FileInputStream(FileDescriptor.in); // available(): FIONREAD on the pipe
            PipeChannel channel = new PipeChannel(new io.netty.channel.unix.FileDescriptor(0),
                    new FileOutputStream(FileDescriptor.out).getChannel(), stdin::available);
            channel.pipeline().addLast(pipeline);
            ChannelFuture registered = loop.register(channel).awaitUninterruptibly();
            if (registered.isSuccess()) {
                channel.closeFuture().addListener(f -> loop.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS));
                log.debug("stdio: pipes on epoll");
                return channel;
            }
            log.debug("stdio: epoll cannot watch stdin ({}), bridging the pipes", registered.cause().toString());
            loop.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
        }
        return openPipesBridged(pipeline);
    }

    /**
     * Stdin and stdout are pipes (or files) and epoll is not at hand: bridge them to an in-JVM
     * channel. Both ends of the
     * {@link LocalChannel} pair live on one event loop, so a request costs one thread hand-over
     * (the stdin thread to that loop): the frame passes to the server side, an inline worker
     * answers, and the reply reaches stdout, all on the loop, without further wake-ups.
     */
    static Channel openPipesBridged(ChannelHandler pipeline) throws IOException {
        EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("pb-stdio", true),
                LocalIoHandler.newFactory());
        AtomicLong pendingOutput = new AtomicLong();
        AtomicReference<Channel> serverSide = new AtomicReference<>();
        LocalAddress address = new LocalAddress("picklebridge-stdio-" + ProcessHandle.current().pid());
        Channel acceptor = new ServerBootstrap().group(loop).channel(LocalServerChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new OutputCounter(pendingOutput), pipeline);
                        serverSide.set(ch);
                    }
                })
                .bind(address).syncUninterruptibly().channel();
        OutputStream stdout = new java.io.BufferedOutputStream(new FileOutputStream(FileDescriptor.out), READ_CHUNK);
        Channel stdinSide = new Bootstrap().group(loop).channel(LocalChannel.class)
                .handler(new StdoutWriter(stdout, pendingOutput))
                .connect(address).syncUninterruptibly().channel();
        acceptor.close();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (serverSide.get() == null && System.nanoTime() < deadline) Thread.onSpinWait();
        Channel server = serverSide.get();
        if (server == null) throw new IOException("stdio: in-JVM channel did not connect");
        Thread pump = new Thread(() -> pumpStdin(new FileInputStream(FileDescriptor.in), stdinSide, server, pendingOutput),
                "pb-stdin");
        pump.setDaemon(true);
        pump.start();
        server.closeFuture().addListener(f -> {
            stdinSide.close();
            loop.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
        });
        log.debug("stdio: using pipes");
        return server;
    }

    /**
     * Copies stdin to the loop without waiting for each chunk to be taken (that wait was one
     * more wake-up per request); at most {@value #MAX_PENDING_INPUT} bytes wait for the loop,
     * and reading stops while the server pauses the connection or replies pile up.
     */
    private static void pumpStdin(InputStream in, Channel stdinSide, Channel server, AtomicLong pendingOutput) {
        byte[] chunk = new byte[READ_CHUNK];
        AtomicLong pendingInput = new AtomicLong();
        try {
            while (stdinSide.isActive()) {
                while ((!server.config().isAutoRead() || pendingOutput.get() > MAX_PENDING_OUTPUT
                        || pendingInput.get() > MAX_PENDING_INPUT) && server.isActive()) {
                    Thread.sleep(1);
                }
                int n = in.read(chunk);
                if (n < 0) break;
                if (n == 0) continue;
                ByteBuf buf = Unpooled.copiedBuffer(chunk, 0, n);
                pendingInput.addAndGet(n);
                stdinSide.writeAndFlush(buf).addListener(f -> pendingInput.addAndGet(-n));
            }
        } catch (IOException e) {
            log.debug("stdio: reading stdin failed: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.debug("stdio: stdin closed");
        stdinSide.close();
    }

    /** Counts reply bytes leaving the server side, until the stdout writer has written them. */
    private static final class OutputCounter extends ChannelDuplexHandler {
        private final AtomicLong pending;

        OutputCounter(AtomicLong pending) {
            this.pending = pending;
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (msg instanceof ByteBuf b) pending.addAndGet(b.readableBytes());
            ctx.write(msg, promise);
        }
    }

    /**
     * Writes what the server sends to stdout, on the connection's own loop: while stdout is
     * full (the parent is not reading) that loop waits, which is this single connection's
     * backpressure; replies of one read batch go out in one write.
     */
    private static final class StdoutWriter extends ChannelInboundHandlerAdapter {
        private final OutputStream out;
        private final AtomicLong pending;

        StdoutWriter(OutputStream out, AtomicLong pending) {
            this.out = out;
            this.pending = pending;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws IOException {
            ByteBuf buf = (ByteBuf) msg;
            try {
                int n = buf.readableBytes();
                buf.readBytes(out, n);
                pending.addAndGet(-n);
            } finally {
                buf.release();
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) throws IOException {
            out.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("stdio: writing stdout failed: {}", cause.toString());
            ctx.close();
        }
    }
}
