package io.picklebridge.wire;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Finds the CPython interpreters installed under pyenv and runs the test scripts with them. */
final class Pythons {
    static final Path SCRIPTS = Path.of("src/test/python").toAbsolutePath();
    private static final Path PYENV = Path.of("/root/.pyenv/versions");

    private Pythons() {}

    /** The interpreter for "3.6", "3.13"..., or "python3" for the default one; skips the test if absent. */
    static String interpreter(String version) {
        if (version.equals("python3")) return "python3";
        try (Stream<Path> dirs = Files.list(PYENV)) {
            Path python = dirs.filter(d -> d.getFileName().toString().startsWith(version + "."))
                    .map(d -> d.resolve("bin/python")).filter(Files::isExecutable).findFirst().orElse(null);
            assumeTrue(python != null, "CPython " + version + " is not installed under " + PYENV);
            return python.toString();
        } catch (IOException e) {
            assumeTrue(false, "no pyenv versions at " + PYENV);
            return null;
        }
    }

    /** Starts a script; its stderr is merged into stdout. */
    static Process start(String version, String script, Object... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(interpreter(version), SCRIPTS.resolve(script).toString()));
        for (Object a : args) command.add(String.valueOf(a));
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    /** Runs a script to completion (at most 30 s) and returns its exit code and output. */
    static Outcome run(String version, String script, Object... args) throws IOException, InterruptedException {
        Process p = start(version, script, args);
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                throw new AssertionError(script + " with " + version + " did not finish in 30 s");
            }
            return new Outcome(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        } finally {
            p.destroyForcibly();
        }
    }

    record Outcome(int exitCode, String output) {
        @Override
        public String toString() {
            return "exit " + exitCode + ": " + output;
        }
    }
}
