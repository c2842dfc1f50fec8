package io.picklebridge.client;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * How a client reaches its peer: a socket ({@link SocketLink}) or the stdin/stdout pipes of a
 * child process ({@link ProcessLink}). Either way the result is one Netty channel carrying the
 * peer's byte stream, on which {@link ClientPipeline} installs the shared wire handlers.
 *
 * <pre>{@code
 * PeerLink link = new SocketLink(SocketTransport.detect(false), "127.0.0.1", 7341);
 * Channel ch = link.open(new ClientPipeline(...), Duration.ofSeconds(10));
 * }</pre>
 */
interface PeerLink {
    /** Connects (or starts the process) and returns the channel, its pipeline initialised. */
    Channel open(ChannelHandler pipeline, Duration connectTimeout) throws Exception;

    /** The peer, for messages: {@code tcp://127.0.0.1:7341}, {@code pid 42: python3 -m ...}. */
    String describe();

    /**
     * What pending calls fail with after the channel closed without the client asking; may
     * complete a little later (a process's exit code and last stderr lines), within 2 s.
     */
    CompletableFuture<ConnectionClosedException> closedCause(Throwable lastError);

    /** Releases everything: event loops, and a child process (stdin closed, then destroyed if needed). */
    void release();
}
