package io.picklebridge.server.transport;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a server listens, parsed from {@code --listen}: {@code tcp://HOST:PORT} (port 0 picks a
 * free one; {@code tcp://:PORT} or a bare {@code PORT} means loopback, {@code 0.0.0.0} or
 * {@code [::]} must be asked for explicitly), or {@code unix:///absolute/path}.
 *
 * <pre>{@code
 * ListenAddress.parse("tcp://127.0.0.1:7341");   // tcp, 127.0.0.1, 7341
 * ListenAddress.parse("unix:///tmp/pb.sock");     // unix, /tmp/pb.sock
 * }</pre>
 */
public record ListenAddress(Scheme scheme, String host, int port, Path path) {
    /** The transport of a listen address. */
    public enum Scheme { TCP, UNIX }

    public ListenAddress {
        Objects.requireNonNull(scheme, "scheme");
    }

    public static ListenAddress tcp(String host, int port) {
        return new ListenAddress(Scheme.TCP, host, port, null);
    }

    public static ListenAddress unix(Path path) {
        return new ListenAddress(Scheme.UNIX, null, 0, path.toAbsolutePath());
    }

    /** Parses the {@code --listen} forms above; throws IllegalArgumentException saying what is wrong. */
    public static ListenAddress parse(String text) {
        String s = text.trim();
        if (s.startsWith("unix://")) {
            String path = s.substring("unix://".length());
            if (!path.startsWith("/")) {
                throw new IllegalArgumentException("unix address needs an absolute path (unix:///tmp/x.sock), got " + text);
            }
            return unix(Path.of(path));
        }
        String hostPort = s.startsWith("tcp://") ? s.substring("tcp://".length()) : s;
        int colon = hostPort.lastIndexOf(':');
        String host = colon < 0 ? "" : hostPort.substring(0, colon);
        String portText = colon < 0 ? hostPort : hostPort.substring(colon + 1);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        if (host.isEmpty()) host = "127.0.0.1";
        int port;
        try {
            port = Integer.parseInt(portText);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected tcp://HOST:PORT or unix:///PATH, got " + text);
        }
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port out of range in " + text);
        return tcp(host, port);
    }

    InetSocketAddress inetSocketAddress() {
        return new InetSocketAddress(host, port);
    }

    @Override
    public String toString() {
        if (scheme == Scheme.UNIX) return "unix://" + path;
        return "tcp://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
