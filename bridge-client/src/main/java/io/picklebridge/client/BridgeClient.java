package io.picklebridge.client;

import io.netty.channel.Channel;
import io.netty.handler.codec.EncoderException;
import io.picklebridge.pickle.PickleCodec;
import io.picklebridge.pickle.PyTuple;
import io.picklebridge.wire.Authkeys;
import io.picklebridge.wire.Bye;
import io.picklebridge.wire.Call;
import io.picklebridge.wire.CallOptions;
import io.picklebridge.wire.Cancel;
import io.picklebridge.wire.FrameDecoder;
import io.picklebridge.wire.Hello;
import io.picklebridge.wire.MapChunk;
import io.picklebridge.wire.Message;
import io.picklebridge.wire.Ping;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A connection to one picklebridge peer: a Java {@code bridge-server} over TCP or a Unix socket,
 * or a child process spoken to over its stdin/stdout ({@code python3 -m picklebridge serve
 * --stdio}, or any {@code --stdio} peer). Calls return {@link CompletableFuture}s; any number
 * may be in flight at once, from any number of threads, matched to their replies by id.
 *
 * <pre>{@code
 * try (BridgeClient client = BridgeClient.builder().tcp("127.0.0.1", 7341).authkey(Path.of("key")).build()) {
 *     Object echoed = client.call("sys.echo", List.of(1, "two", 3.0)).join();    // [1, 'two', 3.0]
 *     long n = client.call(Long.class, "demo.primes_below", 1_000_000).join();     // 78498
 * }
 * try (BridgeClient python = BridgeClient.builder().spawnPython("statistics").build()) {
 *     double mean = python.call(Double.class, "statistics.mean", List.of(1, 2, 3, 4)).join();   // 2.5
 * }
 * }</pre>
 *
 * <p><b>Connecting.</b> {@link Builder#build()} connects, runs the authkey handshake when an
 * authkey is given, and exchanges {@code hello} (asking for pickle protocol 5; the peer's info
 * is {@link #peerInfo()}). The first pickles are written at protocol 4 so that older Python
 * peers can read them.
 *
 * <p><b>Completion thread.</b> Replies are read on a Netty event loop; the futures are
 * completed on the client's completion thread (one daemon thread, like the result handler
 * thread of {@code multiprocessing.Pool}), never on the event loop, so a callback that blocks
 * delays other callbacks but never the connection. A callback must not block waiting for
 * another call of the same client ({@code join()} inside {@code thenApply}): that call's
 * completion would queue behind it. Use the {@code ...Async} variants, or give your own
 * executor with {@link Builder#completionExecutor(Executor)}.
 *
 * <p><b>Failures.</b> A failed call completes exceptionally with a {@link RemoteException}
 * (type, message and traceback of the remote exception); a timeout with
 * {@link CallTimeoutException}; the end of the connection with
 * {@link ConnectionClosedException} (or {@link PeerDiedException} for a spawned peer, with its
 * exit code and last stderr lines): every pending call fails as soon as the connection ends,
 * within 2 s of a peer's death.
 */
public final class BridgeClient implements AutoCloseable {
    /** The client's version, sent in its {@code hello}. */
    public static final String VERSION = "0.1.0";
    /** Pickle protocol asked for in the hello. */
    public static final int PREFERRED_PROTOCOL = 5;
    /** What this client uses of protocol version 1. */
    static final List<String> CAPABILITIES = List.of("call", "map", "stream", "cancel", "ping", "timeout");

    private final PeerLink link;
    private final Channel channel;
    private final PendingRequests pending;
    private final ExecutorService ownedCompletions;
    private final Duration defaultTimeout;
    private final Map<String, Object> peerInfo;
    private final AtomicLong ids = new AtomicLong();
    private final AtomicLong pingPayloads = new AtomicLong();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private volatile boolean closing;

    private BridgeClient(PeerLink link, Channel channel, PendingRequests pending, ReplyHandler replies,
                         ExecutorService ownedCompletions, Duration defaultTimeout, Map<String, Object> peerInfo) {
        this.link = link;
        this.channel = channel;
        this.pending = pending;
        this.ownedCompletions = ownedCompletions;
        this.defaultTimeout = defaultTimeout;
        this.peerInfo = Collections.unmodifiableMap(new LinkedHashMap<>(peerInfo));
        channel.closeFuture().addListener(f -> {
            if (!closing) pending.terminate(() -> link.closedCause(replies.lastError()));
        });
    }

    public static Builder builder() {
        return new Builder();
    }

    // ---------------------------------------------------------------- calls

    /**
     * Calls {@code worker(*args)}. Each argument travels as the codec's type table says
     * ({@code int}/{@code long} as int, {@code List} as list, {@code Map} as dict...).
     * Varargs: to pass one array as the single argument, cast it to {@code Object}.
     */
    public CompletableFuture<Object> call(String worker, Object... args) {
        return request(worker).args(args).send();
    }

    /** Calls {@code worker(*args, **kwargs)}. */
    public CompletableFuture<Object> call(String worker, List<?> args, Map<String, ?> kwargs) {
        return request(worker).argList(args).kwargs(kwargs).send();
    }

    /**
     * Calls {@code worker(*args)} and converts the result to {@code type}: an int to
     * {@code Integer} (range-checked), a list to an array, a str to an enum... A result that does
     * not convert fails the future with {@link ResultTypeException}.
     */
    public <T> CompletableFuture<T> call(Class<T> type, String worker, Object... args) {
        return request(worker).args(args).send(type);
    }

    /** A call with keyword arguments, a timeout or a result type: {@code request(w).args(..).timeout(..).send()}. */
    public CallBuilder request(String worker) {
        return new CallBuilder(this, worker, defaultTimeout);
    }

    /**
     * {@code Pool.map}: calls {@code worker(item)} for every item, in chunks of about
     * {@code len / (4 * peer threads)} items (the chunk size {@code multiprocessing.Pool} picks);
     * the results come in item order. The first failing item fails the whole future with a
     * {@link RemoteException} whose {@link RemoteException#index()} is that item's position.
     */
    public CompletableFuture<List<Object>> map(String worker, List<?> items) {
        return map(worker, items, defaultChunk(items.size()));
    }

    /** {@code Pool.map} with an explicit chunk size (items per {@code map} message). */
    public CompletableFuture<List<Object>> map(String worker, List<?> items, int chunk) {
        return mapChunks(worker, new ArrayList<Object>(items), chunk, false);
    }

    /** {@code Pool.starmap}: calls {@code worker(*args)} for every argument list. */
    public CompletableFuture<List<Object>> starmap(String worker, List<? extends List<?>> argLists, int chunk) {
        List<Object> tuples = new ArrayList<>(argLists.size());
        for (List<?> args : argLists) tuples.add(PyTuple.copyOf(args));
        return mapChunks(worker, tuples, chunk, true);
    }

    /** Sends {@code ("ping", n)}; completes with the round-trip time when the pong arrives. */
    public CompletableFuture<Duration> ping() {
        long payload = pingPayloads.incrementAndGet();
        CompletableFuture<Duration> pong = new CompletableFuture<>();
        if (closing) {
            pong.completeExceptionally(closedByClient());
            return pong;
        }
        pending.register(payload, new PendingRequests.PendingPing(pong, System.nanoTime()));
        channel.writeAndFlush(new Ping(payload));
        return pong;
    }

    /**
     * A streamed call: the worker's items (a Java {@code Iterator}/{@code Stream}, a Python
     * generator) are handed to {@code onItem} as they arrive, in order, on the completion thread;
     * the future completes after the last one with the number of items. An {@code onItem} that
     * throws fails the future with its exception and cancels the call.
     */
    public CompletableFuture<Long> stream(String worker, Consumer<Object> onItem, Object... args) {
        return request(worker).args(args).stream(onItem);
    }

    <T> CompletableFuture<T> submit(String worker, PyTuple args, Map<String, Object> kwargs, Duration timeout,
                                    Function<Object, T> converter, Consumer<Object> onItem) {
        long id = ids.incrementAndGet();
        PendingCall<T> call = new PendingCall<>(id, worker, 0, timeout, converter, onItem);
        CallOptions options = timeout == null ? CallOptions.NONE : CallOptions.NONE.withTimeout(timeout);
        if (onItem != null) options = options.withStream(true);
        return send(call, new Call(id, worker, args, kwargs, options));
    }

    private CompletableFuture<List<Object>> mapChunks(String worker, List<Object> items, int chunk, boolean star) {
        if (chunk < 1) throw new IllegalArgumentException("chunk must be at least 1, got " + chunk);
        CallFuture<List<Object>> all = new CallFuture<>();
        if (items.isEmpty()) {
            all.complete(new ArrayList<>());
            return all;
        }
        CallOptions options = defaultTimeout == null ? CallOptions.NONE : CallOptions.NONE.withTimeout(defaultTimeout);
        if (star) options = options.withStar(true);
        List<CallFuture<List<Object>>> parts = new ArrayList<>();
        for (int offset = 0; offset < items.size(); offset += chunk) {
            List<Object> slice = new ArrayList<>(items.subList(offset, Math.min(items.size(), offset + chunk)));
            long id = ids.incrementAndGet();
            int expected = slice.size();
            PendingCall<List<Object>> part = new PendingCall<>(id, worker, offset, defaultTimeout,
                    value -> chunkResult(value, expected, worker));
            parts.add(send(part, new MapChunk(id, worker, slice, options)));
        }
        all.onCancel(() -> parts.forEach(p -> p.cancel(true)));
        for (CallFuture<List<Object>> part : parts) {
            part.whenComplete((value, error) -> {
                if (error != null && all.completeExceptionally(unwrap(error))) {
                    parts.forEach(p -> p.cancel(true));
                }
            });
        }
        CompletableFuture.allOf(parts.toArray(new CompletableFuture<?>[0])).thenRun(() -> {
            List<Object> results = new ArrayList<>(items.size());
            for (CallFuture<List<Object>> part : parts) results.addAll(part.join());
            all.complete(results);
        });
        return all;
    }

    private static List<Object> chunkResult(Object value, int expected, String worker) {
        if (value instanceof List<?> list && list.size() == expected) return new ArrayList<>(list);
        throw new ResultTypeException("map of " + worker + " returned " + ResultConverter.describe(value)
                + " for a chunk of " + expected + " items");
    }

    private int defaultChunk(int items) {
        Object threads = peerInfo.get("threads");
        long workers = threads instanceof Long n && n > 0 ? n : Runtime.getRuntime().availableProcessors();
        long parts = workers * 4;
        long chunk = items / parts + (items % parts == 0 ? 0 : 1);
        return (int) Math.max(1, chunk);
    }

    private <T> CallFuture<T> send(PendingCall<T> call, Message message) {
        if (closing) {
            call.fail(closedByClient());
            return call.future;
        }
        call.future.onCancel(() -> cancelRemote(call));
        pending.register(call);
        if (call.timeout != null) {
            try {
                call.timer(channel.eventLoop().schedule(() -> timedOut(call), call.timeout.toNanos(), TimeUnit.NANOSECONDS));
            } catch (RejectedExecutionException e) {
                if (pending.take(call.id) != null) call.fail(closedByClient());
                return call.future;
            }
        }
        channel.writeAndFlush(message).addListener(written -> {
            if (!written.isSuccess() && channel.isActive() && pending.take(call.id) != null) {
                // nothing was written (an argument the codec cannot pickle): fail this call only
                call.stopTimer();
                Throwable cause = written.cause() instanceof EncoderException e && e.getCause() != null
                        ? e.getCause() : written.cause();
                pending.complete(() -> call.fail(cause));
            }
        });
        return call.future;
    }

    private void timedOut(PendingCall<?> call) {
        if (pending.take(call.id) == null) return;
        channel.writeAndFlush(new Cancel(call.id));
        CallTimeoutException timeout = new CallTimeoutException(call.worker, call.timeout, null);
        pending.complete(() -> call.fail(timeout));
    }

    private void cancelRemote(PendingCall<?> call) {
        if (pending.take(call.id) == null) return;
        call.stopTimer();
        if (channel.isActive()) channel.writeAndFlush(new Cancel(call.id));
    }

    private static Throwable unwrap(Throwable error) {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }

    // ---------------------------------------------------------------- state

    /**
     * The peer's {@code hello} info: for the Java server {@code server}, {@code version},
     * {@code protocol}, {@code capabilities}, {@code max_frame}, {@code max_in_flight},
     * {@code threads}, {@code pid}; empty when the peer does not answer hello.
     */
    public Map<String, Object> peerInfo() {
        return peerInfo;
    }

    /** The capabilities the peer listed in its hello. */
    public List<String> capabilities() {
        return new Hello(peerInfo).capabilities();
    }

    /** The pickle protocol both sides use after the hello (the peer's reply), or -1 when not negotiated. */
    public int protocol() {
        return new Hello(peerInfo).protocol().orElse(-1);
    }

    /** The peer: {@code tcp://127.0.0.1:7341}, {@code unix:///run/pb.sock}, {@code pid 4242: python3 -m ...}. */
    public String peer() {
        return link.describe();
    }

    /** The spawned child process, for a client made with {@code spawn}/{@code spawnPython}. */
    public Optional<ProcessHandle> process() {
        return link instanceof ProcessLink p ? Optional.of(p.process().toHandle()) : Optional.empty();
    }

    /** Calls (and map chunks) waiting for their reply. */
    public int pendingCalls() {
        return pending.size();
    }

    /** True until the connection ended or {@link #close()} was called. */
    public boolean isOpen() {
        return !closing && pending.termination() == null && channel.isActive();
    }

    /** Completes when {@link #close()} has released everything. */
    public CompletableFuture<Void> closeFuture() {
        return closed;
    }

    private ConnectionClosedException closedByClient() {
        return new ConnectionClosedException(peer(), "the client was closed", null);
    }

    /**
     * Says {@code ("bye",)} and closes the connection; calls still pending fail with
     * {@link ConnectionClosedException} (wait for their futures first if you need them). For a
     * spawned peer, closes its stdin and waits up to 3 s for it to exit before destroying it.
     * Idempotent; blocks for at most a few seconds.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closing) return;
            closing = true;
        }
        if (channel.eventLoop().inEventLoop()) { // never block an event loop: finish on another thread
            Thread closer = new Thread(this::release, "pb-client-close");
            closer.setDaemon(true);
            closer.start();
            return;
        }
        release();
    }

    private void release() {
        try {
            ConnectionClosedException byClient = closedByClient();
            pending.terminate(() -> CompletableFuture.completedFuture(byClient));
            if (channel.isActive()) channel.writeAndFlush(Bye.INSTANCE).awaitUninterruptibly(1, TimeUnit.SECONDS);
            channel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
            link.release();
        } finally {
            if (ownedCompletions != null) ownedCompletions.shutdown();
            closed.complete(null);
        }
    }

    @Override
    public String toString() {
        return "BridgeClient[" + peer() + (isOpen() ? ", open" : ", closed") + ", " + pendingCalls() + " pending]";
    }

    // ---------------------------------------------------------------- builder

    /**
     * Chooses the peer (exactly one of {@link #tcp}, {@link #unix}, {@link #spawn},
     * {@link #spawnPython}) and the client's settings.
     *
     * <pre>{@code
     * BridgeClient.builder().unix(Path.of("/run/pb.sock")).defaultTimeout(Duration.ofSeconds(30)).build();
     * BridgeClient.builder().spawnPython("mymodule").python("/opt/py/bin/python3")
     *         .pythonPath(Path.of("src/python")).workingDirectory(Path.of("work")).build();
     * BridgeClient.builder().spawn(List.of("java", "-jar", "bridge-server.jar", "--stdio")).build();
     * }</pre>
     */
    public static final class Builder {
        private enum Kind { TCP, UNIX, SPAWN, SPAWN_PYTHON }

        private Kind kind;
        private String host;
        private int port;
        private Path socketPath;
        private List<String> command;
        private List<String> pythonModules;
        private String python = "python3";
        private final List<Path> pythonPath = new ArrayList<>();
        private final List<String> extraArgs = new ArrayList<>();
        private Path workingDirectory;
        private final Map<String, String> environment = new LinkedHashMap<>();
        private byte[] authkey;
        private Path authkeyFile;
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration defaultTimeout;
        private PickleCodec codec = PickleCodec.defaults();
        private int maxFrame = FrameDecoder.DEFAULT_MAX_FRAME_LENGTH;
        private boolean forceNio;
        private Executor completionExecutor;

        private Builder() {}

        /** A server listening on TCP ({@code --listen tcp://HOST:PORT}). */
        public Builder tcp(String host, int port) {
            if (port < 1 || port > 65535) throw new IllegalArgumentException("port must be 1 to 65535, got " + port);
            kind = Kind.TCP;
            this.host = Objects.requireNonNull(host, "host");
            this.port = port;
            return this;
        }

        /** A server listening on a Unix domain socket ({@code --listen unix:///PATH}). */
        public Builder unix(Path path) {
            kind = Kind.UNIX;
            socketPath = Objects.requireNonNull(path, "path");
            return this;
        }

        /**
         * Starts {@code command} as a child process and talks over its stdin/stdout (a
         * {@code --stdio} peer); its stderr goes to the SLF4J logger {@code io.picklebridge.client.peer}.
         */
        public Builder spawn(List<String> command) {
            if (command.isEmpty()) throw new IllegalArgumentException("command must not be empty");
            kind = Kind.SPAWN;
            this.command = List.copyOf(command);
            return this;
        }

        /**
         * Starts {@code python3 -m picklebridge serve --stdio [extra args] MODULE...}: the
         * modules' functions (and anything registered with {@code @picklebridge.expose}) become
         * workers, named {@code module.function}. See {@link #python}, {@link #pythonPath},
         * {@link #extraArgs}, {@link #workingDirectory}, {@link #environment}.
         */
        public Builder spawnPython(String... modules) {
            kind = Kind.SPAWN_PYTHON;
            pythonModules = List.of(modules);
            return this;
        }

        /** The Python executable for {@link #spawnPython} (default {@code python3}, found on PATH). */
        public Builder python(String executable) {
            python = Objects.requireNonNull(executable, "executable");
            return this;
        }

        /** Directories put in front of the child's {@code PYTHONPATH} (e.g. where {@code picklebridge} is). */
        public Builder pythonPath(Path... directories) {
            for (Path d : directories) pythonPath.add(d.toAbsolutePath());
            return this;
        }

        /** Extra arguments of {@code picklebridge serve}, before the module names. */
        public Builder extraArgs(String... args) {
            extraArgs.addAll(List.of(args));
            return this;
        }

        /** The spawned child's working directory (default: this process's). */
        public Builder workingDirectory(Path directory) {
            workingDirectory = directory;
            return this;
        }

        /** An environment variable of the spawned child; a null value removes an inherited one. */
        public Builder environment(String name, String value) {
            environment.put(Objects.requireNonNull(name, "name"), value);
            return this;
        }

        /** The authkey for the handshake (TCP and Unix sockets); none by default. */
        public Builder authkey(byte[] key) {
            authkey = key == null ? null : key.clone();
            authkeyFile = null;
            return this;
        }

        /** The authkey read from a key file (raw bytes, as the server's {@code --authkey-file}). */
        public Builder authkey(Path keyFile) {
            authkeyFile = keyFile;
            authkey = null;
            return this;
        }

        /** Time allowed to connect, authenticate and get the hello reply (default 10 s). */
        public Builder connectTimeout(Duration timeout) {
            connectTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** Timeout of calls and map chunks that set none (default: none). */
        public Builder defaultTimeout(Duration timeout) {
            defaultTimeout = timeout;
            return this;
        }

        /** The pickle codec (default {@link PickleCodec#defaults()}); register reducers here. */
        public Builder codec(PickleCodec codec) {
            this.codec = Objects.requireNonNull(codec, "codec");
            return this;
        }

        /** Largest reply frame accepted, in bytes (default 512 MiB). */
        public Builder maxFrame(int bytes) {
            maxFrame = bytes;
            return this;
        }

        /** Uses NIO sockets even where epoll is available. */
        public Builder forceNio(boolean nio) {
            forceNio = nio;
            return this;
        }

        /**
         * Where futures are completed (default: one daemon thread per client). {@code Runnable::run}
         * completes them on the event loop: fastest, but then no callback may block.
         */
        public Builder completionExecutor(Executor executor) {
            completionExecutor = executor;
            return this;
        }

        /**
         * Connects (or starts the child), authenticates, exchanges hello.
         *
         * @throws ConnectionFailedException when any of that fails; the cause says why (for a
         *                                   child that died at once: a {@link PeerDiedException} with its stderr)
         */
        public BridgeClient build() {
            if (kind == null) throw new IllegalStateException("choose a peer: tcp, unix, spawn or spawnPython");
            byte[] key = authkey;
            if (authkeyFile != null) {
                try {
                    key = Authkeys.read(authkeyFile);
                } catch (IOException e) {
                    throw new ConnectionFailedException("cannot read the authkey: " + e.getMessage(), e);
                }
            }
            PeerLink link = link();
            ExecutorService owned = completionExecutor == null ? Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "pb-client-results");
                t.setDaemon(true);
                return t;
            }) : null;
            PendingRequests pending = new PendingRequests(owned != null ? owned : completionExecutor);
            ReplyHandler replies = new ReplyHandler(pending, link::describe);
            Channel channel = null;
            try {
                channel = link.open(new ClientPipeline(maxFrame, key, codec, connectTimeout, replies), connectTimeout);
                channel.writeAndFlush(new Hello(helloInfo()));
                Map<String, Object> info = replies.hello().get(connectTimeout.toMillis(), TimeUnit.MILLISECONDS);
                return new BridgeClient(link, channel, pending, replies, owned, defaultTimeout, info);
            } catch (ExecutionException | TimeoutException | IOException | RuntimeException e) {
                Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
                if (e instanceof TimeoutException) {
                    cause = new TimeoutException("no hello reply within " + connectTimeout.toMillis() + " ms");
                } else if (channel != null && !channel.isActive() && link instanceof ProcessLink) {
                    cause = link.closedCause(cause).join(); // the child died: its exit code and stderr say why
                }
                fail(link, channel, owned);
                throw new ConnectionFailedException("cannot connect to " + link.describe() + ": " + cause.getMessage(), cause);
            } catch (Exception e) {
                fail(link, channel, owned);
                if (e instanceof InterruptedException) Thread.currentThread().interrupt();
                throw new ConnectionFailedException("cannot connect to " + link.describe() + ": " + e, e);
            }
        }

        private static void fail(PeerLink link, Channel channel, ExecutorService owned) {
            if (channel != null) channel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
            link.release();
            if (owned != null) owned.shutdown();
        }

        private PeerLink link() {
            SocketTransport io = SocketTransport.detect(forceNio);
            return switch (kind) {
                case TCP -> SocketLink.tcp(io, host, port);
                case UNIX -> SocketLink.unix(io, socketPath);
                case SPAWN -> new ProcessLink(command, workingDirectory, environment);
                case SPAWN_PYTHON -> new ProcessLink(pythonCommand(), workingDirectory, pythonEnvironment());
            };
        }

        private List<String> pythonCommand() {
            List<String> cmd = new ArrayList<>(List.of(python, "-m", "picklebridge", "serve", "--stdio"));
            cmd.addAll(extraArgs);
            cmd.addAll(pythonModules);
            return cmd;
        }

        private Map<String, String> pythonEnvironment() {
            Map<String, String> env = new LinkedHashMap<>(environment);
            if (!pythonPath.isEmpty()) {
                List<String> entries = new ArrayList<>();
                for (Path p : pythonPath) entries.add(p.toString());
                String inherited = env.containsKey("PYTHONPATH") ? env.get("PYTHONPATH") : System.getenv("PYTHONPATH");
                if (inherited != null && !inherited.isEmpty()) entries.add(inherited);
                env.put("PYTHONPATH", String.join(File.pathSeparator, entries));
            }
            return env;
        }

        private static Map<String, Object> helloInfo() {
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("protocol", (long) PREFERRED_PROTOCOL);
            info.put("client", "picklebridge-java/" + VERSION);
            info.put("capabilities", new ArrayList<Object>(CAPABILITIES));
            return info;
        }
    }
}
