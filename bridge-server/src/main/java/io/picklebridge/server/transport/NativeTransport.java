package io.picklebridge.server.transport;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * The I/O flavour of this JVM: epoll where Netty's native library loads (Linux), else NIO,
 * including Netty's NIO Unix domain socket channels (JDK 16+). Decides the event loop group and the server
 * channel for each address scheme.
 *
 * <pre>{@code
 * NativeTransport io = NativeTransport.detect(false);
 * EventLoopGroup group = io.newGroup(2);
 * new ServerBootstrap().group(group).channelFactory(io.tcpServer());
 * }</pre>
 */
public final class NativeTransport {
    private final boolean epoll;

    private NativeTransport(boolean epoll) {
        this.epoll = epoll;
    }

    /** Epoll when available unless {@code forceNio}. */
    public static NativeTransport detect(boolean forceNio) {
        return new NativeTransport(!forceNio && Epoll.isAvailable());
    }

    public boolean isEpoll() {
        return epoll;
    }

    public String name() {
        return epoll ? "epoll" : "nio";
    }

    public EventLoopGroup newGroup(int threads) {
        IoHandlerFactory factory = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("pb-io", true), factory);
    }

    Supplier<ServerChannel> tcpServer() {
        return epoll ? EpollServerSocketChannel::new : NioServerSocketChannel::new;
    }

    Supplier<ServerChannel> unixServer() {
        return epoll ? EpollServerDomainSocketChannel::new : NioServerDomainSocketChannel::new;
    }

    SocketAddress unixAddress(Path path) {
        return epoll ? new DomainSocketAddress(path.toString()) : UnixDomainSocketAddress.of(path);
    }
}
