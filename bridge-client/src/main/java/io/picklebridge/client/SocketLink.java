package io.picklebridge.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A TCP or Unix domain socket connection on a one-thread event loop of the JVM's
 * {@link SocketTransport} (epoll, else NIO).
 *
 * <pre>{@code
 * PeerLink tcp = SocketLink.tcp(io, "127.0.0.1", 7341);
 * PeerLink unix = SocketLink.unix(io, Path.of("/run/pb.sock"));
 * }</pre>
 */
final class SocketLink implements PeerLink {
    private final SocketTransport io;
    private final SocketAddress address;
    private final boolean unix;
    private final String description;
    private EventLoopGroup group;

    private SocketLink(SocketTransport io, SocketAddress address, boolean unix, String description) {
        this.io = io;
        this.address = address;
        this.unix = unix;
        this.description = description;
    }

    static SocketLink tcp(SocketTransport io, String host, int port) {
        String shown = host.contains(":") ? "[" + host + "]" : host;
        return new SocketLink(io, InetSocketAddress.createUnresolved(host, port), false, "tcp://" + shown + ":" + port);
    }

    static SocketLink unix(SocketTransport io, Path path) {
        Path absolute = path.toAbsolutePath();
        return new SocketLink(io, io.unixAddress(absolute), true, "unix://" + absolute);
    }

    @Override
    public Channel open(ChannelHandler pipeline, Duration connectTimeout) throws IOException {
        group = io.newGroup();
        Bootstrap bootstrap = new Bootstrap().group(group).handler(pipeline)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()));
        SocketAddress target = address;
        if (unix) {
            bootstrap.channelFactory(io.unix()::get);
        } else {
            bootstrap.channelFactory(io.tcp()::get).option(ChannelOption.TCP_NODELAY, true);
            InetSocketAddress unresolved = (InetSocketAddress) address;
            target = new InetSocketAddress(unresolved.getHostString(), unresolved.getPort());
        }
        ChannelFuture connected = bootstrap.connect(target).awaitUninterruptibly();
        if (!connected.isSuccess()) {
            Throwable cause = connected.cause();
            throw new IOException("cannot connect to " + description + ": " + cause.getMessage(), cause);
        }
        return connected.channel();
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public CompletableFuture<ConnectionClosedException> closedCause(Throwable lastError) {
        String why = lastError == null ? "" : ": " + lastError.getMessage();
        return CompletableFuture.completedFuture(
                new ConnectionClosedException(description, "connection to " + description + " closed" + why, lastError));
    }

    @Override
    public void release() {
        if (group != null) group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
    }
}
