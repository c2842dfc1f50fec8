package io.picklebridge.server.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

import java.io.PrintStream;
import java.io.ByteArrayOutputStream;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The pipe-mode fast path agrees with picocli, and leaves to picocli whatever it is not sure of. */
class PipeModeArgsTest {
    private static CommandLine picocli() {
        return new CommandLine(new ServerCommand(new PrintStream(new ByteArrayOutputStream())));
    }

    private static ServerOptions parsedByPicocli(String[] args) {
        CommandLine commandLine = picocli();
        commandLine.parseArgs(args);
        return ((ServerCommand) commandLine.getCommand()).options();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "--stdio",
            "--stdio --threads 4",
            "--threads=4 --stdio --io-threads 1 --max-frame 1048576 --max-in-flight=16",
            "--stdio --call-timeout 2.5 --shutdown-grace=0 --log-level warn --nio",
            "--stdio --shutdown-grace 0.25 --call-timeout=30",
            "--log-level debug --stdio --classpath a.jar:lib/b --classpath=c --workers x.Y --workers=z.W",
            "--stdio --authkey-file /tmp/key --no-auth --listen tcp://127.0.0.1:0 --listen=unix:///tmp/pb.sock",
    })
    void plainPipeModeArgumentsParseAsPicocliParsesThem(String line) {
        String[] args = line.split(" ");
        ServerOptions fast = PipeModeArgs.parse(args);
        assertNotNull(fast, line);
        assertEquals(parsedByPicocli(args), fast, line);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "--help", "--version", "-h --stdio", "--stdio -V", "--stdio --help",
            "--listen tcp://127.0.0.1:0",                 // not pipe mode
            "--stdio --threads x", "--stdio --threads 010", "--stdio --threads -1", "--stdio --threads 99999999999",
            "--stdio --threads 4 --threads 5", "--stdio --stdio", "--stdio=true", "--stdio --threads",
            "--stdio --thread 4", "--stdio extra", "--stdio @more-args", "--stdio --call-timeout 1e3",
            "--stdio --call-timeout .5", "--stdio --classpath a::b", "--stdio --log-level=", "--stdio -- --nio",
            "--stdio --authkey-file --no-auth", "--stdio --listen \"tcp://127.0.0.1:0\"",
    })
    void anythingElseIsLeftToPicocli(String line) {
        assertNull(PipeModeArgs.parse(line.split(" ")), line);
    }

    @Test
    void badValuesThatFallBackAreErrorsForPicocliToo() {
        for (String line : new String[] {"--stdio --threads x", "--stdio --threads 4 --threads 5", "--stdio --thread 4",
                "--stdio extra", "--stdio --threads"}) {
            assertThrows(CommandLine.ParameterException.class, () -> parsedByPicocli(line.split(" ")), line);
        }
    }

    @Test
    void everyServerOptionHasAFastForm() {
        Map<String, String> sample = Map.of("--listen", "tcp://127.0.0.1:0", "--authkey-file", "key",
                "--workers", "a.B", "--classpath", "a.jar", "--log-level", "warn",
                "--call-timeout", "1", "--shutdown-grace", "1");
        for (OptionSpec option : picocli().getCommandSpec().options()) {
            String name = option.longestName();
            if (option.usageHelp() || option.versionHelp()) continue;
            String[] args = option.arity().max == 0 ? new String[] {"--stdio", name}
                    : new String[] {"--stdio", name, sample.getOrDefault(name, "3")};
            if (name.equals("--stdio")) args = new String[] {"--stdio"};
            ServerOptions fast = PipeModeArgs.parse(args);
            assertNotNull(fast, name + " is not understood by the fast path: add it to PipeModeArgs");
            assertEquals(parsedByPicocli(args), fast, name);
        }
    }
}
