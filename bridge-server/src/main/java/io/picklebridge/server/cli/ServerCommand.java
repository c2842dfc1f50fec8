package io.picklebridge.server.cli;

import io.picklebridge.server.BridgeServer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
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

    /**
     * Parses with picocli and runs (what {@link Main} falls back to for anything but plain
     * pipe-mode arguments: {@code --help}, {@code --version}, errors, TCP and Unix listeners).
     */
    public static void main(String[] args) {
        ServerLauncher.applyStartupDefaults();
        PrintStream err = System.err;
        boolean stdio = List.of(args).contains("--stdio");
        if (stdio) System.setOut(err); // stdout carries frames only
        CommandLine commandLine = new CommandLine(new ServerCommand(err));
        commandLine.setErr(new java.io.PrintWriter(err, true));
        commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
            // a reason, not a stack trace: "cannot listen on unix:///tmp/pb.sock: ... already in use"
            err.println(ServerLauncher.failureLine(e));
            return 1;
        });
        System.exit(commandLine.execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (listen.isEmpty() && !stdio) {
            throw new CommandLine.ParameterException(new CommandLine(this), "give --listen ADDRESS and/or --stdio");
        }
        return ServerLauncher.run(options(), err);
    }

    /** The parsed options, as the launcher (and the pipe-mode fast path) take them. */
    ServerOptions options() {
        return new ServerOptions(listen, stdio, authkeyFile, noAuth, workerClasses, classpath, threads, ioThreads,
                maxFrame, maxInFlight, callTimeout, shutdownGrace, nio, logLevel);
    }

    /** See {@link ServerLauncher#readAuthkey(Path)}. */
    static byte[] readAuthkey(Path file) throws java.io.IOException {
        return ServerLauncher.readAuthkey(file);
    }
}
