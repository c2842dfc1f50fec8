package io.picklebridge.server;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The zero-install proof: stock {@code multiprocessing.connection.Client} from several CPython
 * versions (legacy HMAC-MD5 handshake up to 3.11, {sha256} from 3.12; 2.7 reads protocol-2 replies)
 * calls the server.
 */
class StockPythonClientTest {
    static final byte[] KEY = "stock-python-key".getBytes();
    static BridgeServer server;
    static Path socket;
    @TempDir
    static Path dir;
    static Path keyFile;
    static Path script;

    @BeforeAll
    static void start() throws IOException, URISyntaxException {
        socket = dir.resolve("stock.sock");
        server = BridgeServer.builder().listen("tcp://127.0.0.1:0").listen("unix://" + socket).authkey(KEY).threads(2)
                .shutdownGrace(Duration.ZERO).start();
        keyFile = Files.write(dir.resolve("key"), KEY);
        script = Path.of(StockPythonClientTest.class.getResource("/python/stock_client.py").toURI());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static String python(String version) {
        Path p = Path.of("/root/.pyenv/versions/" + version + "/bin/python");
        Assumptions.assumeTrue(Files.isExecutable(p), "no Python " + version);
        return p.toString();
    }

    static String run(String python, String keyArg, String mode) throws Exception {
        return run(python, "127.0.0.1", Integer.toString(server.tcpPort()), keyArg, mode);
    }

    static String run(String python, String host, String port, String keyArg, String mode) throws Exception {
        Process process = new ProcessBuilder(python, script.toString(), host, port, keyArg, mode)
                .redirectErrorStream(true).start();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "python did not finish");
        return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    }

    @ParameterizedTest(name = "python {0}")
    @ValueSource(strings = {"2.7.18", "3.6.15", "3.8.18", "3.11.7", "3.12.1", "3.13.0"})
    void stockClientCallsEcho(String version) throws Exception {
        assertEquals("OK", run(python(version), keyFile.toString(), "echo"));
    }

    @ParameterizedTest(name = "python {0}")
    @ValueSource(strings = {"3.6.15", "3.13.0"})
    void stockClientOverAUnixSocket(String version) throws Exception {
        assertEquals("OK", run(python(version), socket.toString(), "-", keyFile.toString(), "echo"));
    }

    @ParameterizedTest(name = "python {0}")
    @ValueSource(strings = {"3.8.18", "3.13.0"})
    void wrongKeyIsRefused(String version) throws Exception {
        Path wrong = Files.writeString(dir.resolve("wrong-" + version), "not the key");
        String out = run(python(version), wrong.toString(), "echo");
        assertTrue(out.contains("AuthenticationError"), out);
    }

    @ParameterizedTest(name = "python {0}")
    @ValueSource(strings = {"3.8.18", "3.13.0"})
    void noKeyGetsNoAnswer(String version) throws Exception {
        String out = run(python(version), "-", "nokey");
        assertTrue(out.startsWith("REFUSED") || (out.startsWith("UNEXPECTED") && out.contains("#CHALLENGE#")), out);
        assertTrue(List.of(out.split("\n")).stream().noneMatch(l -> l.contains("pong")), out);
    }
}
