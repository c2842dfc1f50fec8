package io.picklebridge.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalIoHandler;
import io.netty.channel.local.LocalServerChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A child process spoken to over its stdin and stdout (a {@code --stdio} peer: {@code python3
 * -m picklebridge serve --stdio ...} or {@code java -jar bridge-server.jar --stdio}).
 *
 * <p>Pipes are not sockets, so the client's pipeline runs on an in-JVM {@link LocalChannel}
 * whose other end, the <i>process side</i>, is plumbed to the pipes:
 *
 * <pre>
 *  client pipeline (LocalChannel, loop pb-client-pipe) ==&gt; process side --StdinWriter--&gt; child stdin
 *  client pipeline &lt;== process side &lt;--writeAndFlush-- thread pb-client-stdout-PID &lt;-- child stdout
 *  child stderr --&gt; thread pb-client-stderr-PID --&gt; SLF4J "io.picklebridge.client.peer" (last 20 lines kept)
 * </pre>
 *
 * The process side has its own event loop, so a child that stops reading its stdin blocks only
 * that loop, never the client's. The stdout thread waits for each chunk to be delivered before
 * reading the next (backpressure). End of the child's stdout, or the child's exit
 * ({@link Process#onExit()}; a grandchild may keep the pipe open), closes the process side and
 * so the client's channel.
 *
 * <pre>{@code
 * PeerLink link = new ProcessLink(List.of("java", "-jar", "bridge-server.jar", "--stdio"), null, Map.of());
 * }</pre>
 */
final class ProcessLink implements PeerLink {
    private static final Logger log = LoggerFactory.getLogger(ProcessLink.class);
    private static final AtomicInteger SEQUENCE = new AtomicInteger();
    private static final int READ_CHUNK = 64 * 1024;
    /** How long the child may take to exit after its stdin closed, before it is destroyed. */
    private static final Duration EXIT_GRACE = Duration.ofSeconds(3);

    private final List<String> command;
    private final Path workingDirectory;
    private final Map<String, String> environment;
    private Process process;
    private StderrTail stderr;
    private EventLoopGroup clientLoop;
    private EventLoopGroup processLoop;
    private final CompletableFuture<Void> stdoutEnded = new CompletableFuture<>();

    /**
     * @param workingDirectory null for the current directory
     * @param environment      variables added to (or, with a null value, removed from) the inherited environment
     */
    ProcessLink(List<String> command, Path workingDirectory, Map<String, String> environment) {
        if (command.isEmpty()) throw new IllegalArgumentException("the command to spawn is empty");
        this.command = List.copyOf(command);
        this.workingDirectory = workingDirectory;
        this.environment = new LinkedHashMap<>(environment);
    }

    @Override
    public Channel open(ChannelHandler pipeline, Duration connectTimeout) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command);
        if (workingDirectory != null) builder.directory(workingDirectory.toFile());
        environment.forEach((name, value) -> {
            if (value == null) builder.environment().remove(name);
            else builder.environment().put(name, value);
        });
        process = builder.start();
        stderr = StderrTail.start(process);
        clientLoop = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("pb-client-pipe", true),
                LocalIoHandler.newFactory());
        processLoop = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("pb-client-stdin", true),
                LocalIoHandler.newFactory());

        AtomicReference<Channel> processSide = new AtomicReference<>();
        CountDownLatch accepted = new CountDownLatch(1);
        LocalAddress address = new LocalAddress("picklebridge-client-" + process.pid() + "-" + SEQUENCE.incrementAndGet());
        Channel acceptor = new ServerBootstrap().group(processLoop).channel(LocalServerChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new StdinWriter(process.getOutputStream()));
                        processSide.set(ch);
                        accepted.countDown();
                    }
                })
                .bind(address).syncUninterruptibly().channel();
        Channel client;
        try {
            client = new Bootstrap().group(clientLoop).channel(LocalChannel.class).handler(pipeline)
                    .connect(address).syncUninterruptibly().channel();
            if (!accepted.await(connectTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IOException("in-JVM pipe channel did not connect");
            }
        } finally {
            acceptor.close();
        }
        Channel side = processSide.get();
        Thread pump = new Thread(() -> pumpStdout(process.getInputStream(), side), "pb-client-stdout-" + process.pid());
        pump.setDaemon(true);
        pump.start();
        // a grandchild holding the pipe open must not hide the child's death; replies already
        // in the pipe are still delivered (the pump gets a moment to drain it)
        process.onExit().thenCompose(p -> stdoutEnded.completeOnTimeout(null, 500, TimeUnit.MILLISECONDS))
                .thenRun(side::close);
        return client;
    }

    private void pumpStdout(InputStream in, Channel side) {
        byte[] chunk = new byte[READ_CHUNK];
        try {
            while (side.isActive()) {
                int n = in.read(chunk);
                if (n < 0) break;
                if (n > 0) side.writeAndFlush(Unpooled.copiedBuffer(chunk, 0, n)).awaitUninterruptibly();
            }
        } catch (IOException e) {
            log.debug("{}: reading stdout failed: {}", describe(), e.toString());
        } finally {
            stdoutEnded.complete(null);
            side.close();
        }
    }

    @Override
    public String describe() {
        return (process == null ? "" : "pid " + process.pid() + ": ") + String.join(" ", command);
    }

    @Override
    public CompletableFuture<ConnectionClosedException> closedCause(Throwable lastError) {
        // the pipes usually close a moment before the exit is reported, and the last stderr
        // lines follow; wait for both, briefly (pending calls must fail within 2 s)
        return process.onExit().thenApply(p -> (Integer) p.exitValue())
                .completeOnTimeout(null, 1000, TimeUnit.MILLISECONDS)
                .thenCompose(exit -> stderr.ended().completeOnTimeout(null, 300, TimeUnit.MILLISECONDS)
                        .thenApply(ignored -> new PeerDiedException(describe(),
                                process.isAlive() ? null : process.exitValue(), stderr.lines())));
    }

    /** The child process, once started. */
    Process process() {
        return process;
    }

    @Override
    public void release() {
        if (process != null) {
            try {
                process.getOutputStream().close(); // end of file: a --stdio peer exits within 2 s
            } catch (IOException ignored) {
                // already closed
            }
            try {
                if (!process.waitFor(EXIT_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                    log.warn("{} did not exit {} s after its stdin closed; destroying it", describe(),
                            EXIT_GRACE.toSeconds());
                    process.destroy();
                    if (!process.waitFor(1, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(1, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        List<io.netty.util.concurrent.Future<?>> shutdowns = new ArrayList<>();
        if (clientLoop != null) shutdowns.add(clientLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS));
        if (processLoop != null) shutdowns.add(processLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS));
        for (io.netty.util.concurrent.Future<?> f : shutdowns) f.awaitUninterruptibly(2, TimeUnit.SECONDS);
    }

    /** Writes what the client sends to the child's stdin; closing the channel closes stdin. */
    private final class StdinWriter extends ChannelInboundHandlerAdapter {
        private final OutputStream stdin;

        StdinWriter(OutputStream stdin) {
            this.stdin = stdin;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws IOException {
            ByteBuf buf = (ByteBuf) msg;
            try {
                buf.readBytes(stdin, buf.readableBytes());
            } finally {
                buf.release();
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) throws IOException {
            stdin.flush();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            try {
                stdin.close();
            } catch (IOException ignored) {
                // the child is gone already
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("{}: writing stdin failed: {}", describe(), cause.toString());
            ctx.close();
        }
    }
}
