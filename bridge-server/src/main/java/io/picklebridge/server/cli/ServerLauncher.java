package io.picklebridge.server.cli;

import io.picklebridge.server.BridgeServer;
import io.picklebridge.server.transport.ListenAddress;
import io.picklebridge.wire.Authkeys;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Starts the server that parsed {@link ServerOptions} describe and blocks until it closes;
 * shared by the picocli command and the pipe-mode fast path, so both behave the same.
 *
 * <pre>{@code
 * System.exit(ServerLauncher.run(options, System.err));
 * }</pre>
 */
final class ServerLauncher {
    private ServerLauncher() {}

    /**
     * Settings that must be in place before the first Netty or SLF4J class initialises.
     * Netty 4.2 probes Java Flight Recorder ({@code FlightRecorder.isAvailable()}) as it starts,
     * which initialises JFR's metadata and generates its event handlers: about a third of the
     * JVM's start-up CPU in pipe mode, for allocation events nobody records. A value given with
     * {@code -Dio.netty.jfr.enabled} is kept.
     */
    static void applyStartupDefaults() {
        if (System.getProperty("io.netty.jfr.enabled") == null) System.setProperty("io.netty.jfr.enabled", "false");
    }

    /** Runs the server; returns the exit code (0 once it closed). Failures propagate. */
    static int run(ServerOptions options, PrintStream err) throws Exception {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", options.logLevel());
        System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
        BridgeServer.Builder builder = BridgeServer.builder().stdio(options.stdio()).maxInFlight(options.maxInFlight())
                .forceNio(options.nio())
                .shutdownGrace(Duration.ofMillis((long) (options.shutdownGrace() * 1000)))
                .callTimeout(Duration.ofNanos((long) (options.callTimeout() * 1e9)));
        if (options.threads() != null) builder.threads(options.threads());
        if (options.ioThreads() != null) builder.ioThreads(options.ioThreads());
        if (options.maxFrame() != null) builder.maxFrame(options.maxFrame());
        boolean tcp = false;
        for (String address : options.listen()) {
            ListenAddress parsed = ListenAddress.parse(address);
            tcp |= parsed.scheme() == ListenAddress.Scheme.TCP;
            builder.listen(parsed);
        }
        if (options.authkeyFile() != null) {
            builder.authkey(readAuthkey(options.authkeyFile()));
        } else if (tcp && options.noAuth()) {
            builder.allowUnauthenticatedTcp(true);
            err.println("picklebridge WARNING: TCP without an authkey (--no-auth): anyone who can connect can run every worker");
        } else if (tcp) {
            Path generated = Authkeys.generate();
            builder.authkey(Authkeys.read(generated));
            err.println(ServerCommand.AUTHKEY_FILE + generated);
        }
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        if (!options.classpath().isEmpty()) {
            URL[] urls = new URL[options.classpath().size()];
            for (int i = 0; i < urls.length; i++) urls[i] = options.classpath().get(i).toUri().toURL();
            loader = new URLClassLoader(urls, loader);
            Thread.currentThread().setContextClassLoader(loader);
        }
        builder.discoverWorkers(loader);
        for (String className : options.workerClasses()) builder.workerClass(className);
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
        for (String address : server.addresses()) err.println(ServerCommand.LISTENING + address);
        err.flush();
        server.awaitClose();
        return 0;
    }

    /** The one-line reason printed for a failure while starting or running: no stack trace. */
    static String failureLine(Throwable e) {
        return "picklebridge: " + e.getMessage();
    }

    /**
     * The key file's bytes, or an exception whose message names the file and the problem:
     * {@code "cannot read authkey file /nonexistent: no such file"}.
     */
    static byte[] readAuthkey(Path file) throws IOException {
        try {
            return Authkeys.read(file);
        } catch (NoSuchFileException e) {
            throw new IOException("cannot read authkey file " + file + ": no such file", e);
        } catch (AccessDeniedException e) {
            throw new IOException("cannot read authkey file " + file + ": permission denied", e);
        } catch (IOException e) {
            String message = e.getMessage();
            if (message != null && message.startsWith("authkey file ")) throw e; // empty, too long: says it
            throw new IOException("cannot read authkey file " + file + ": "
                    + (message == null ? e.getClass().getSimpleName() : message), e);
        }
    }
}
