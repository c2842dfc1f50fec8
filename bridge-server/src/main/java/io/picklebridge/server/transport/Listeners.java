package io.picklebridge.server.transport;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.unix.DomainSocketAddress;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;

/**
 * Binds TCP and Unix listeners for a {@link ListenAddress}, with the stale-socket handling and
 * 0600 mode of {@link UnixSocketFile} for Unix ones.
 *
 * <pre>{@code
 * Channel listener = Listeners.bind(io, group, ListenAddress.parse("tcp://127.0.0.1:0"), pipeline);
 * Listeners.describe(listener);   // "tcp://127.0.0.1:41235"
 * }</pre>
 */
public final class Listeners {
    private Listeners() {}

    public static Channel bind(NativeTransport io, EventLoopGroup group, ListenAddress address, ChannelHandler pipeline)
            throws IOException {
        ServerBootstrap bootstrap = new ServerBootstrap().group(group).childHandler(pipeline)
                .option(ChannelOption.SO_BACKLOG, 1024);
        if (address.scheme() == ListenAddress.Scheme.TCP) {
            bootstrap.channelFactory(io.tcpServer()::get).option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true);
            return bindOrExplain(bootstrap, address.inetSocketAddress(), address);
        }
        UnixSocketFile.prepare(address.path());
        bootstrap.channelFactory(io.unixServer()::get);
        Channel channel = bindOrExplain(bootstrap, io.unixAddress(address.path()), address);
        UnixSocketFile.restrict(address.path());
        channel.closeFuture().addListener(f -> java.nio.file.Files.deleteIfExists(address.path()));
        return channel;
    }

    private static Channel bindOrExplain(ServerBootstrap bootstrap, SocketAddress socketAddress, ListenAddress address)
            throws IOException {
        io.netty.channel.ChannelFuture bound = bootstrap.bind(socketAddress).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            Throwable cause = bound.cause();
            throw new IOException("cannot listen on " + address + ": " + cause.getMessage(), cause);
        }
        return bound.channel();
    }

    /** The address a listener is bound to, in {@code --listen} form (the real port for port 0). */
    public static String describe(Channel listener) {
        SocketAddress local = listener.localAddress();
        if (local instanceof InetSocketAddress inet) {
            String host = inet.getAddress().getHostAddress();
            return "tcp://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + inet.getPort();
        }
        if (local instanceof DomainSocketAddress unix) return "unix://" + unix.path();
        if (local instanceof UnixDomainSocketAddress unix) return "unix://" + unix.getPath();
        return String.valueOf(local);
    }
}
