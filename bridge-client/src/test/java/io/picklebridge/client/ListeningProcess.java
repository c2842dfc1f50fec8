package io.picklebridge.client;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A server process ({@code java -jar bridge-server.jar --listen ...} or {@code python3 -m
 * picklebridge serve --listen ...}) that announces {@code picklebridge listening on ADDRESS} on
 * stderr, as both do; the first address announced is kept.
 */
final class ListeningProcess implements AutoCloseable {
    static final String LISTENING = "picklebridge listening on ";

    final Process process;
    final String address;
    private final List<String> stderr = new ArrayList<>();

    ListeningProcess(List<String> command, Map<String, String> environment) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        builder.environment().putAll(environment);
        process = builder.start();
        CompletableFuture<String> announced = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    synchronized (stderr) {
                        stderr.add(line);
                    }
                    if (line.startsWith(LISTENING)) announced.complete(line.substring(LISTENING.length()));
                }
            } catch (IOException ignored) {
                // the process ended
            }
            synchronized (stderr) {
                announced.completeExceptionally(new IOException("exited without announcing an address: " + stderr));
            }
        }, "listening-stderr");
        reader.setDaemon(true);
        reader.start();
        try {
            address = announced.get(Failures.WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException | InterruptedException e) {
            close();
            if (e instanceof InterruptedException) Thread.currentThread().interrupt();
            throw new IOException(command + " did not start: " + e.getMessage(), e);
        }
    }

    /** The port of a {@code tcp://host:port} address. */
    int port() {
        return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
