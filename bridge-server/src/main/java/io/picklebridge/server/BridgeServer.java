package io.picklebridge.server;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.Version;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.picklebridge.pickle.PickleCodec;
import io.picklebridge.pickle.numpy.NumpySupport;
import io.picklebridge.wire.OutOfBand;
import io.picklebridge.server.dispatch.Dispatcher;
import io.picklebridge.server.dispatch.DispatcherStats;
import io.picklebridge.server.dispatch.RequestHandler;
import io.picklebridge.server.registry.Worker;
import io.picklebridge.server.registry.WorkerRegistry;
import io.picklebridge.server.transport.ListenAddress;
import io.picklebridge.server.transport.Listeners;
import io.picklebridge.server.transport.NativeTransport;
import io.picklebridge.server.transport.ServerPipeline;
import io.picklebridge.server.transport.StdioTransport;
import io.picklebridge.server.workers.DemoWorkers;
import io.picklebridge.server.workers.SysWorkers;
import io.picklebridge.wire.FrameDecoder;
import io.picklebridge.wire.Hello;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A picklebridge server: Java workers that Python (or Java) clients call over TCP, Unix
 * sockets or the process's stdin/stdout. Build one, {@link #start()} it, {@link #close()} it.
 *
 * <pre>{@code
 * try (BridgeServer server = BridgeServer.builder()
 *         .listen("tcp://127.0.0.1:7341").authkey(key)
 *         .worker("math.add", Long.class, Long.class, (a, b) -> a + b)
 *         .annotated(Primes.class)
 *         .start()) {
 *     server.awaitClose();
 * }
 * }</pre>
 */
public final class BridgeServer implements AutoCloseable {
    /** The server's version, reported in {@code hello} and {@code sys.info()}. */
    public static final String VERSION = "0.1.0";
    /** The wire protocol version (docs/protocol.md). */
    public static final int PROTOCOL_VERSION = Hello.VERSION;

    private static final Logger log = LoggerFactory.getLogger(BridgeServer.class);

    private final Settings settings;
    private final Dispatcher dispatcher;
    private NativeTransport io;      // made on first need: stdio over pipes makes no listener loops (StdioTransport has its own)
    private EventLoopGroup group;
    private final ChannelGroup connections = new DefaultChannelGroup("picklebridge", GlobalEventExecutor.INSTANCE);
    private final List<Channel> listeners = new ArrayList<>();
    private final List<String> addresses = new ArrayList<>();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private volatile Channel stdio;
    private volatile boolean closing;

    private BridgeServer(Settings settings, WorkerRegistry.Builder workers) {
        this.settings = settings;
        SysWorkers sys = new SysWorkers(() -> dispatcherRegistry().all(), this::info);
        if (!workers.contains("sys.ping")) workers.annotated(sys);
        if (!workers.contains("demo.square")) workers.annotated(DemoWorkers.class);
        this.dispatcher = new Dispatcher(workers.build(), settings.codec, settings.threads, settings.maxInFlight,
                settings.callTimeoutSeconds, this::helloInfo);
    }

    private synchronized NativeTransport io() {
        if (io == null) io = NativeTransport.detect(settings.forceNio);
        return io;
    }

    private synchronized EventLoopGroup group() {
        if (group == null) group = io().newGroup(settings.ioThreads);
        return group;
    }

    private WorkerRegistry dispatcherRegistry() {
        return dispatcher.registry();
    }

    public static Builder builder() {
        return new Builder();
    }

    private void open() throws IOException {
        try {
            for (ListenAddress address : settings.listen) {
                byte[] key = settings.authkey;
                if (address.scheme() == ListenAddress.Scheme.TCP && key == null && !settings.unauthenticatedTcp) {
                    throw new IllegalStateException("listening on " + address + " needs an authkey "
                            + "(or an explicit choice to allow unauthenticated TCP)");
                }
                Channel listener = Listeners.bind(io(), group(), address,
                        new ServerPipeline(dispatcher, settings.maxFrame, key, connections));
                listeners.add(listener);
                addresses.add(Listeners.describe(listener));
            }
            if (settings.stdio) {
                ServerPipeline pipeline = new ServerPipeline(dispatcher, settings.maxFrame, null, connections);
                stdio = StdioTransport.stdinIsSocket() ? StdioTransport.openSocket(io(), group(), pipeline)
                        : StdioTransport.openPipes(pipeline);
                addresses.add("stdio");
                stdio.closeFuture().addListener(f -> {
                    if (settings.onStdioClosed != null) settings.onStdioClosed.accept(this);
                });
            }
        } catch (IOException | RuntimeException e) {
            closeNow();
            throw e;
        }
    }

    /** The addresses served, as {@code tcp://127.0.0.1:41235}, {@code unix:///path}, {@code stdio}. */
    public List<String> addresses() {
        return Collections.unmodifiableList(addresses);
    }

    /** The TCP port of the first TCP listener, or -1. */
    public int tcpPort() {
        for (Channel listener : listeners) {
            if (listener.localAddress() instanceof java.net.InetSocketAddress inet) return inet.getPort();
        }
        return -1;
    }

    public DispatcherStats stats() {
        return dispatcher.stats();
    }

    public WorkerRegistry registry() {
        return dispatcher.registry();
    }

    /** "epoll" or "nio" (what sockets use here). */
    public String transport() {
        return io().name();
    }

    /** Completes once the server is closed. */
    public CompletableFuture<Void> closeFuture() {
        return closed;
    }

    /** Blocks until the server is closed. */
    public void awaitClose() throws InterruptedException {
        try {
            closed.get();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Closes with the builder's grace period; see {@link #close(Duration)}. */
    @Override
    public void close() {
        close(settings.shutdownGrace);
    }

    /**
     * Graceful shutdown: stop accepting, let calls in flight finish for up to {@code grace}
     * (then interrupt them), send their replies, close every connection. Idempotent.
     */
    public void close(Duration grace) {
        synchronized (this) {
            if (closing) {
                closed.join();
                return;
            }
            closing = true;
        }
        try {
            for (Channel listener : listeners) listener.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
            boolean finished = dispatcher.shutdown(grace);
            if (!finished) log.warn("calls still running after {} ms were interrupted", grace.toMillis());
            // every connection closes once the replies of its last calls are written
            for (Channel connection : connections) RequestHandler.closeAfterReplies(connection);
            connections.newCloseFuture().awaitUninterruptibly(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            closeNow();
        }
    }

    private void closeNow() {
        for (Channel listener : listeners) listener.close();
        connections.close();
        EventLoopGroup loops;
        synchronized (this) {
            loops = group;
        }
        if (loops != null) loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
        try {
            dispatcher.shutdown(Duration.ZERO);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closed.complete(null);
    }

    private Map<String, Object> helloInfo() {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("server", "picklebridge-java/" + VERSION);
        info.put("version", (long) Hello.VERSION);
        info.put("protocol", (long) PickleCodec.HIGHEST_PROTOCOL);
        List<Object> capabilities = new ArrayList<Object>(Hello.CAPABILITIES);
        capabilities.add(OutOfBand.CAPABILITY); // protocol 5 buffers as frames (docs/protocol.md 4.1)
        info.put("capabilities", capabilities);
        info.put("max_frame", (long) settings.maxFrame);
        info.put("max_in_flight", (long) settings.maxInFlight);
        info.put("threads", (long) settings.threads);
        info.put("pid", ProcessHandle.current().pid());
        return info;
    }

    private Map<String, Object> info() {
        Map<String, Object> info = helloInfo();
        info.put("java", System.getProperty("java.version"));
        info.put("vm", System.getProperty("java.vm.name") + " " + System.getProperty("java.vm.version"));
        Version netty = Version.identify().get("netty-transport");
        info.put("netty", netty == null ? "unknown" : netty.artifactVersion());
        info.put("transport", stdio != null && group == null ? "pipes" : io().name());
        info.put("addresses", new ArrayList<Object>(addresses));
        info.put("cpus", (long) Runtime.getRuntime().availableProcessors());
        info.put("live_threads", (long) Thread.activeCount());
        info.put("workers", (long) dispatcher.registry().size());
        info.put("requests", dispatcher.stats().requests());
        info.put("errors", dispatcher.stats().errors());
        info.put("connections", dispatcher.stats().connections());
        return info;
    }

    /** Everything a server is built from. */
    private static final class Settings {
        final List<ListenAddress> listen = new ArrayList<>();
        boolean stdio;
        byte[] authkey;
        boolean unauthenticatedTcp;
        int threads = Runtime.getRuntime().availableProcessors();
        int ioThreads = Math.min(4, Runtime.getRuntime().availableProcessors());
        int maxInFlight = 1024;
        int maxFrame = FrameDecoder.DEFAULT_MAX_FRAME_LENGTH;
        double callTimeoutSeconds;
        Duration shutdownGrace = Duration.ofSeconds(5);
        PickleCodec codec = NumpySupport.codec(); // numpy arrays and pandas frames as NdArray / DataFrame
        boolean forceNio;
        Consumer<BridgeServer> onStdioClosed;

        /** A snapshot, so that a builder used again never changes a running server. */
        Settings copy() {
            Settings c = new Settings();
            c.listen.addAll(listen);
            c.stdio = stdio;
            c.authkey = authkey == null ? null : authkey.clone();
            c.unauthenticatedTcp = unauthenticatedTcp;
            c.threads = threads;
            c.ioThreads = ioThreads;
            c.maxInFlight = maxInFlight;
            c.maxFrame = maxFrame;
            c.callTimeoutSeconds = callTimeoutSeconds;
            c.shutdownGrace = shutdownGrace;
            c.codec = codec;
            c.forceNio = forceNio;
            c.onStdioClosed = onStdioClosed;
            return c;
        }
    }

    /**
     * Configures a {@link BridgeServer}: where it listens, its limits, and its workers (the
     * {@code sys} and {@code demo} groups are always added).
     */
    public static final class Builder {
        private final Settings settings = new Settings();
        private final WorkerRegistry.Builder workers = WorkerRegistry.builder();
        private boolean started;

        private Builder() {}

        /** Listens on {@code tcp://HOST:PORT} or {@code unix:///PATH}; repeatable. */
        public Builder listen(String address) {
            return listen(ListenAddress.parse(address));
        }

        public Builder listen(ListenAddress address) {
            settings.listen.add(address);
            return this;
        }

        /** Serves one connection over stdin/stdout (see {@link StdioTransport}). */
        public Builder stdio(boolean stdio) {
            settings.stdio = stdio;
            return this;
        }

        /** Called (on an event loop) when the stdio connection closes, typically to exit. */
        public Builder onStdioClosed(Consumer<BridgeServer> action) {
            settings.onStdioClosed = action;
            return this;
        }

        /** The key clients must prove they hold on TCP and Unix sockets (stdio never asks). */
        public Builder authkey(byte[] authkey) {
            settings.authkey = authkey == null ? null : authkey.clone();
            return this;
        }

        /** Allows TCP without an authkey: anyone who can connect can run every worker. */
        public Builder allowUnauthenticatedTcp(boolean allow) {
            settings.unauthenticatedTcp = allow;
            return this;
        }

        /** Worker threads (default: the core count). */
        public Builder threads(int threads) {
            if (threads < 1) throw new IllegalArgumentException("threads must be at least 1, got " + threads);
            settings.threads = threads;
            return this;
        }

        /** Event loop threads (default: the core count, at most 4). */
        public Builder ioThreads(int threads) {
            if (threads < 1) throw new IllegalArgumentException("ioThreads must be at least 1, got " + threads);
            settings.ioThreads = threads;
            return this;
        }

        /** Requests one connection may have in flight before the server stops reading it (default 1024). */
        public Builder maxInFlight(int maxInFlight) {
            if (maxInFlight < 1) throw new IllegalArgumentException("maxInFlight must be at least 1, got " + maxInFlight);
            settings.maxInFlight = maxInFlight;
            return this;
        }

        /** Largest frame accepted, in bytes (default 512 MiB). */
        public Builder maxFrame(int bytes) {
            if (bytes < 256 || bytes > FrameDecoder.LARGEST_MAX_FRAME_LENGTH) {
                throw new IllegalArgumentException("maxFrame must be 256 to " + FrameDecoder.LARGEST_MAX_FRAME_LENGTH
                        + ", got " + bytes);
            }
            settings.maxFrame = bytes;
            return this;
        }

        /** Timeout of calls that give none; zero (default) for none. */
        public Builder callTimeout(Duration timeout) {
            settings.callTimeoutSeconds = timeout.toNanos() / 1e9;
            return this;
        }

        /** How long {@link #close()} lets calls in flight finish (default 5 s). */
        public Builder shutdownGrace(Duration grace) {
            settings.shutdownGrace = grace;
            return this;
        }

        /** The codec for requests and replies (default {@link NumpySupport#codec()}: the defaults plus numpy/pandas). */
        public Builder codec(PickleCodec codec) {
            settings.codec = codec;
            return this;
        }

        /** Uses NIO even where epoll is available. */
        public Builder forceNio(boolean forceNio) {
            settings.forceNio = forceNio;
            return this;
        }

        /** A raw worker: see {@link Worker}. */
        public Builder worker(String name, Worker worker) {
            workers.worker(name, worker);
            return this;
        }

        public <R> Builder worker(String name, Worker.Fn0<R> fn) {
            workers.worker(name, fn);
            return this;
        }

        public <A, R> Builder worker(String name, Class<A> a, Worker.Fn1<? super A, R> fn) {
            workers.worker(name, a, fn);
            return this;
        }

        public <A, B, R> Builder worker(String name, Class<A> a, Class<B> b, Worker.Fn2<? super A, ? super B, R> fn) {
            workers.worker(name, a, b, fn);
            return this;
        }

        public <A, B, C, R> Builder worker(String name, Class<A> a, Class<B> b, Class<C> c,
                                           Worker.Fn3<? super A, ? super B, ? super C, R> fn) {
            workers.worker(name, a, b, c, fn);
            return this;
        }

        /** Runs a registered worker on the event loop (see {@link WorkerRegistry.Builder#inline(String)}). */
        public Builder inline(String name) {
            workers.inline(name);
            return this;
        }

        /** The {@code @Work} methods of a {@code @BridgeWorkers} class. */
        public Builder annotated(Class<?> type) {
            workers.annotated(type);
            return this;
        }

        /** The {@code @Work} methods of an object, bound to it. */
        public Builder annotated(Object instance) {
            workers.annotated(instance);
            return this;
        }

        /** A class named on the command line ({@code --workers}): annotated, or a WorkerProvider. */
        public Builder workerClass(String className) {
            workers.fromClassName(className, Thread.currentThread().getContextClassLoader());
            return this;
        }

        /** Adds every {@code WorkerProvider} that ServiceLoader finds. */
        public Builder discoverWorkers(ClassLoader loader) {
            workers.discover(loader);
            return this;
        }

        /** Builds, binds every listener (and stdio) and returns the running server. Once per builder. */
        public BridgeServer start() throws IOException {
            if (started) throw new IllegalStateException("this builder already started a server");
            started = true;
            if (settings.listen.isEmpty() && !settings.stdio) {
                throw new IllegalStateException("nothing to serve: give at least one listen address or stdio");
            }
            BridgeServer server = new BridgeServer(settings.copy(), workers);
            server.open();
            return server;
        }
    }
}
