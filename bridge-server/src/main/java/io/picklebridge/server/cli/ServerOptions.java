package io.picklebridge.server.cli;

import java.nio.file.Path;
import java.util.List;

/**
 * What the command line asked for, however it was parsed: by picocli ({@link ServerCommand})
 * or by the start-up fast path for pipe mode ({@link PipeModeArgs}). Both must produce the
 * same value for the same arguments; {@link ServerLauncher} runs it.
 *
 * <pre>{@code
 * ServerOptions options = PipeModeArgs.parse(new String[] {"--stdio", "--threads", "2"});
 * int exitCode = ServerLauncher.run(options, System.err);
 * }</pre>
 *
 * @param listen        {@code --listen} addresses, in order
 * @param stdio         {@code --stdio}
 * @param authkeyFile   {@code --authkey-file}, or null
 * @param noAuth        {@code --no-auth}
 * @param workerClasses {@code --workers} class names, in order
 * @param classpath     {@code --classpath} entries, split at ':'
 * @param threads       {@code --threads}, or null for the default
 * @param ioThreads     {@code --io-threads}, or null for the default
 * @param maxFrame      {@code --max-frame}, or null for the default
 * @param maxInFlight   {@code --max-in-flight} (default 1024)
 * @param callTimeout   {@code --call-timeout} in seconds (default 0: none)
 * @param shutdownGrace {@code --shutdown-grace} in seconds (default 5)
 * @param nio           {@code --nio}
 * @param logLevel      {@code --log-level} (default info)
 */
public record ServerOptions(List<String> listen, boolean stdio, Path authkeyFile, boolean noAuth,
                            List<String> workerClasses, List<Path> classpath, Integer threads, Integer ioThreads,
                            Integer maxFrame, int maxInFlight, double callTimeout, double shutdownGrace,
                            boolean nio, String logLevel) {
    /** The default of {@code --max-in-flight}. */
    public static final int DEFAULT_MAX_IN_FLIGHT = 1024;
    /** The default of {@code --call-timeout}: no timeout. */
    public static final double DEFAULT_CALL_TIMEOUT = 0;
    /** The default of {@code --shutdown-grace}, in seconds. */
    public static final double DEFAULT_SHUTDOWN_GRACE = 5;
    /** The default of {@code --log-level}. */
    public static final String DEFAULT_LOG_LEVEL = "info";

    public ServerOptions {
        listen = List.copyOf(listen);
        workerClasses = List.copyOf(workerClasses);
        classpath = List.copyOf(classpath);
    }
}
