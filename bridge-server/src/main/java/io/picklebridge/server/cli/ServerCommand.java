package io.picklebridge.server.cli;

import io.picklebridge.server.BridgeServer;
import io.picklebridge.server.transport.ListenAddress;
import io.picklebridge.wire.Authkeys;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code java -jar bridge-server.jar}: the command line of the server. Every log line goes to
 * stderr; each address served is announced on stderr as one parseable line,
 * {@code picklebridge listening on tcp://127.0.0.1:41235}, so scripts can use port 0.
 *
 * <pre>
 * java -jar bridge-server.jar --listen tcp://127.0.0.1:0 --authkey-file key
 * java -jar bridge-server.jar --listen unix:///tmp/pb.sock --classpath primes.jar --workers com.example.Primes
 * java -jar bridge-server.jar --stdio          # what picklebridge.Pool() runs
 * </pre>
 */
@Command(name = "bridge-server", mixinStandardHelpOptions = true, version = "picklebridge-java " + BridgeServer.VERSION,
        sortOptions = false,
        description = "Serves Java workers to Python (multiprocessing.connection framing, pickled messages).")
public final class ServerCommand implements Callable<Integer> {
    /** The announcement prefix, followed by one address. */
    public static final String LISTENING = "picklebridge listening on ";
    /** The announcement of a generated authkey file, followed by its path. */
    public static final String AUTHKEY_FILE = "picklebridge authkey file ";

    @Option(names = "--listen", paramLabel = "ADDRESS",
            description = "tcp://HOST:PORT (HOST defaults to 127.0.0.1; port 0 picks one) or unix:///PATH; repeatable")
    List<String> listen = new ArrayList<>();

    @Option(names = "--stdio", description = "serve one connection on stdin/stdout; exit when stdin closes")
    boolean stdio;

    @Option(names = "--authkey-file", paramLabel = "FILE",
            description = "file holding the authkey (raw bytes); TCP without one generates a 0600 file and prints its path")
    Path authkeyFile;

    @Option(names = "--no-auth", description = "allow TCP without an authkey (anyone who can connect runs workers)")
    boolean noAuth;

    @Option(names = "--workers", paramLabel = "CLASS",
            description = "a @BridgeWorkers class or WorkerProvider to load; repeatable")
    List<String> workerClasses = new ArrayList<>();

    @Option(names = "--classpath", paramLabel = "PATHS", split = ":",
            description = "jars or directories to load workers from (ServiceLoader and --workers); ':'-separated")
    List<Path> classpath = new ArrayList<>();

    @Option(names = "--threads", paramLabel = "N", description = "worker threads (default: the core count)")
    Integer threads;

    @Option(names = "--io-threads", paramLabel = "N", description = "event loop threads (default: cores, at most 4)")
    Integer ioThreads;

    @Option(names = "--max-frame", paramLabel = "BYTES", description = "largest frame accepted (default: 512 MiB)")
    Integer maxFrame;

    @Option(names = "--max-in-flight", paramLabel = "N", defaultValue = "1024",
            description = "requests in flight per connection before it stops being read (default: ${DEFAULT-VALUE})")
    int maxInFlight;

    @Option(names = "--call-timeout", paramLabel = "SECONDS", defaultValue = "0",
            description = "timeout of calls that set none; 0 for none (default)")
    double callTimeout;

    @Option(names = "--shutdown-grace", paramLabel = "SECONDS", defaultValue = "5",
            description = "on SIGTERM, how long calls in flight may finish (default: ${DEFAULT-VALUE})")
    double shutdownGrace;

    @Option(names = "--nio", description = "use NIO even where epoll is available")
    boolean nio;

    @Option(names = "--log-level", paramLabel = "LEVEL", defaultValue = "info",
            description = "error, warn, info, debug or trace (default: ${DEFAULT-VALUE}); logs go to stderr")
    String logLevel;

    private final PrintStream err;

    ServerCommand(PrintStream err) {
        this.err = err;
    }

    public static void main(String[] args) {
        PrintStream err = System.err;
        boolean stdio = List.of(args).contains("--stdio");
        if (stdio) System.setOut(err); // stdout carries frames only
        CommandLine commandLine = new CommandLine(new ServerCommand(err));
        commandLine.setErr(new java.io.PrintWriter(err, true));
        commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
            // a reason, not a stack trace: "cannot listen on unix:///tmp/pb.sock: ... already in use"
            err.println("picklebridge: " + e.getMessage());
            return 1;
        });
        System.exit(commandLine.execute(args));
    }

    @Override
    public Integer call() throws Exception {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", logLevel);
        System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
        if (listen.isEmpty() && !stdio) {
            throw new CommandLine.ParameterException(new CommandLine(this), "give --listen ADDRESS and/or --stdio");
        }
        BridgeServer.Builder builder = BridgeServer.builder().stdio(stdio).maxInFlight(maxInFlight).forceNio(nio)
                .shutdownGrace(Duration.ofMillis((long) (shutdownGrace * 1000)))
                .callTimeout(Duration.ofNanos((long) (callTimeout * 1e9)));
        if (threads != null) builder.threads(threads);
        if (ioThreads != null) builder.ioThreads(ioThreads);
        if (maxFrame != null) builder.maxFrame(maxFrame);
        boolean tcp = false;
        for (String address : listen) {
            ListenAddress parsed = ListenAddress.parse(address);
            tcp |= parsed.scheme() == ListenAddress.Scheme.TCP;
            builder.listen(parsed);
        }
        if (authkeyFile != null) {
            builder.authkey(readAuthkey(authkeyFile));
        } else if (tcp && noAuth) {
            builder.allowUnauthenticatedTcp(true);
            err.println("picklebridge WARNING: TCP without an authkey (--no-auth): anyone who can connect can run every worker");
        } else if (tcp) {
            Path generated = Authkeys.generate();
            builder.authkey(Authkeys.read(generated));
            err.println(AUTHKEY_FILE + generated);
        }
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        if (!classpath.isEmpty()) {
            java.net.URL[] urls = new java.net.URL[classpath.size()];
            for (int i = 0; i < urls.length; i++) urls[i] = classpath.get(i).toUri().toURL();
            loader = new java.net.URLClassLoader(urls, loader);
            Thread.currentThread().setContextClassLoader(loader);
        }
        builder.discoverWorkers(loader);
        for (String className : workerClasses) builder.workerClass(className);
        builder.onStdioClosed(server -> {
            Thread exit = new Thread(() -> {
                server.close(Duration.ofMillis(500));
                System.exit(0);
            }, "pb-exit");
            exit.start();
        });

        BridgeServer server = builder.start();
        Thread hook = new Thread(server::close, "pb-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        for (String address : server.addresses()) err.println(LISTENING + address);
        err.flush();
        server.awaitClose();
        return 0;
    }

    /**
     * The key file's bytes, or an exception whose message names the file and the problem:
     * {@code "cannot read authkey file /nonexistent: no such file"}.
     */
    static byte[] readAuthkey(Path file) throws java.io.IOException {
        try {
            return Authkeys.read(file);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new java.io.IOException("cannot read authkey file " + file + ": no such file", e);
        } catch (java.nio.file.AccessDeniedException e) {
            throw new java.io.IOException("cannot read authkey file " + file + ": permission denied", e);
        } catch (java.io.IOException e) {
            String message = e.getMessage();
            if (message != null && message.startsWith("authkey file ")) throw e; // empty, too long: says it
            throw new java.io.IOException("cannot read authkey file " + file + ": "
                    + (message == null ? e.getClass().getSimpleName() : message), e);
        }
    }
}
