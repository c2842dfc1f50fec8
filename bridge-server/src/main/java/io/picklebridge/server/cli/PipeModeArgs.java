package io.picklebridge.server.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The start-up fast path's parser: the plain command lines a private JVM gets
 * ({@code --stdio --threads 4 --log-level warn}), parsed without picocli. Picocli 4.7 ships
 * Java 5 class files, which class-data sharing cannot archive, and building its command model
 * (reflection, annotation proxies) cost about a third of pipe mode's start-up.
 *
 * <p>It answers only when it is sure to agree with picocli: {@code --stdio} is given, every
 * argument is one of the server's options in a plain form ({@code --opt VALUE} or
 * {@code --opt=VALUE}), single-valued options appear once, numbers are plain decimals. Anything
 * else ({@code --help}, {@code --version}, errors, {@code @files}, a second {@code --threads})
 * returns null and goes to picocli, which prints the same usage and errors as always.
 *
 * <pre>{@code
 * ServerOptions options = PipeModeArgs.parse(args);
 * if (options == null) ServerCommand.main(args);   // picocli: help, errors, everything else
 * }</pre>
 */
final class PipeModeArgs {
    private static final Pattern INTEGER = Pattern.compile("0|[1-9][0-9]{0,8}");
    private static final Pattern DECIMAL = Pattern.compile("(0|[1-9][0-9]{0,8})(\\.[0-9]{1,9})?");

    private PipeModeArgs() {}

    /** The options, or null when picocli must parse these arguments. */
    static ServerOptions parse(String[] args) {
        List<String> listen = new ArrayList<>();
        List<String> workers = new ArrayList<>();
        List<Path> classpath = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        boolean stdio = false;
        boolean noAuth = false;
        boolean nio = false;
        Path authkeyFile = null;
        Integer threads = null;
        Integer ioThreads = null;
        Integer maxFrame = null;
        int maxInFlight = ServerOptions.DEFAULT_MAX_IN_FLIGHT;
        double callTimeout = ServerOptions.DEFAULT_CALL_TIMEOUT;
        double shutdownGrace = ServerOptions.DEFAULT_SHUTDOWN_GRACE;
        String logLevel = ServerOptions.DEFAULT_LOG_LEVEL;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--")) return null;
            int equals = arg.indexOf('=');
            String name = equals < 0 ? arg : arg.substring(0, equals);
            boolean repeatable = name.equals("--listen") || name.equals("--workers") || name.equals("--classpath");
            if (!repeatable && !seen.add(name)) return null; // picocli: "should be specified only once"
            switch (name) {
                case "--stdio", "--no-auth", "--nio" -> {
                    if (equals >= 0) return null;
                    if (name.equals("--stdio")) stdio = true;
                    else if (name.equals("--no-auth")) noAuth = true;
                    else nio = true;
                    continue;
                }
                default -> { }
            }
            String value;
            if (equals >= 0) {
                value = arg.substring(equals + 1);
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                return null;
            }
            if (value.isEmpty() || value.startsWith("-") || value.startsWith("@") || value.startsWith("\"")) return null;
            switch (name) {
                case "--listen" -> listen.add(value);
                case "--workers" -> workers.add(value);
                case "--classpath" -> {
                    for (String part : value.split(":", -1)) {
                        if (part.isEmpty()) return null;
                        classpath.add(Path.of(part));
                    }
                }
                case "--authkey-file" -> authkeyFile = Path.of(value);
                case "--log-level" -> logLevel = value;
                case "--threads", "--io-threads", "--max-frame", "--max-in-flight" -> {
                    if (!INTEGER.matcher(value).matches()) return null;
                    int number = Integer.parseInt(value);
                    switch (name) {
                        case "--threads" -> threads = number;
                        case "--io-threads" -> ioThreads = number;
                        case "--max-frame" -> maxFrame = number;
                        default -> maxInFlight = number;
                    }
                }
                case "--call-timeout", "--shutdown-grace" -> {
                    if (!DECIMAL.matcher(value).matches()) return null;
                    if (name.equals("--call-timeout")) callTimeout = Double.parseDouble(value);
                    else shutdownGrace = Double.parseDouble(value);
                }
                default -> {
                    return null; // --help, --version, an unknown option or a typo: picocli says so
                }
            }
        }
        if (!stdio) return null;
        return new ServerOptions(listen, true, authkeyFile, noAuth, workers, classpath, threads, ioThreads, maxFrame,
                maxInFlight, callTimeout, shutdownGrace, nio, logLevel);
    }
}
