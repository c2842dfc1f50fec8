package io.picklebridge.client;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDomainSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * The socket flavour of this JVM, chosen as the server chooses it: epoll where Netty's native
 * library loads (Linux), else NIO, including NIO's Unix domain sockets (JDK 16+). Gives the
 * event loop group and the channel for TCP and Unix addresses.
 *
 * <pre>{@code
 * SocketTransport io = SocketTransport.detect(false);
 * new Bootstrap().group(io.newGroup()).channelFactory(io.unix()::get).connect(io.unixAddress(path));
 * }</pre>
 */
final class SocketTransport {
    private final boolean epoll;

    private SocketTransport(boolean epoll) {
        this.epoll = epoll;
    }

    /** Epoll when available, unless {@code forceNio}. */
    static SocketTransport detect(boolean forceNio) {
        return new SocketTransport(!forceNio && Epoll.isAvailable());
    }

    String name() {
        return epoll ? "epoll" : "nio";
    }

    /** One event loop thread: a client connection is one channel. */
    EventLoopGroup newGroup() {
        IoHandlerFactory factory = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        return new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("pb-client", true), factory);
    }

    Supplier<Channel> tcp() {
        return epoll ? EpollSocketChannel::new : NioSocketChannel::new;
    }

    Supplier<Channel> unix() {
        return epoll ? EpollDomainSocketChannel::new : NioDomainSocketChannel::new;
    }

    SocketAddress unixAddress(Path path) {
        return epoll ? new DomainSocketAddress(path.toString()) : UnixDomainSocketAddress.of(path);
    }
}
