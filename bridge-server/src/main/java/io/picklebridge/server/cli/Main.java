package io.picklebridge.server.cli;

import java.io.PrintStream;

/**
 * The jar's entry point, {@code java -jar bridge-server.jar ARGS}. A private JVM's plain
 * pipe-mode command line ({@code --stdio} and simple options, see {@link PipeModeArgs}) starts
 * the server directly; everything else, {@code --help} and every error included, is parsed by
 * picocli in {@link ServerCommand}, exactly as before.
 *
 * <pre>
 * java -jar bridge-server.jar --stdio                      # fast path: no picocli loaded
 * java -jar bridge-server.jar --listen tcp://127.0.0.1:0   # picocli
 * </pre>
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        ServerLauncher.applyStartupDefaults();
        ServerOptions options = PipeModeArgs.parse(args);
        if (options == null) {
            ServerCommand.main(args);
            return;
        }
        PrintStream err = System.err;
        System.setOut(err); // stdout carries frames only
        int code;
        try {
            code = ServerLauncher.run(options, err);
        } catch (Exception e) {
            err.println(ServerLauncher.failureLine(e)); // as picocli's execution exception handler does
            code = 1;
        }
        System.exit(code);
    }
}
