package io.picklebridge.server.transport;

import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.picklebridge.server.dispatch.Dispatcher;
import io.picklebridge.server.dispatch.RequestHandler;
import io.picklebridge.wire.OutOfBand;
import io.picklebridge.wire.OutOfBandDecoder;
import io.picklebridge.wire.OutOfBandEncoder;
import io.picklebridge.wire.WirePipeline;

/**
 * The pipeline of every server connection, whatever the transport:
 *
 * <pre>
 *  socket -&gt; FrameDecoder -&gt; [ServerHandshakeHandler] -&gt; OutOfBandDecoder -&gt; RequestHandler -&gt; Dispatcher (worker threads)
 *  socket &lt;- FrameEncoder &lt;- OutOfBandEncoder &lt;- [ServerHandshakeHandler] &lt;- RequestHandler &lt;- ReplyWriter
 * </pre>
 *
 * The handshake handler is present when the listener has an authkey, and removes itself once
 * both sides have proved they hold it.
 *
 * <pre>{@code
 * new ServerBootstrap().childHandler(new ServerPipeline(dispatcher, maxFrame, authkey, channels));
 * }</pre>
 */
public final class ServerPipeline extends ChannelInitializer<Channel> {
    private final Dispatcher dispatcher;
    private final WirePipeline wire;
    private final ChannelGroup channels;

    /**
     * @param authkey  null for no authentication
     * @param channels every accepted connection is added, so shutdown can reach it
     */
    public ServerPipeline(Dispatcher dispatcher, int maxFrame, byte[] authkey, ChannelGroup channels) {
        this.dispatcher = dispatcher;
        // raw frames, no MessageCodec: the request handler reads each frame's pickle protocol
        // to answer in it, and unpickles there
        this.wire = WirePipeline.server().maxFrameLength(maxFrame).authkey(authkey).build();
        this.channels = channels;
    }

    @Override
    protected void initChannel(Channel ch) {
        // Pooled buffers: Netty 4.2's adaptive allocator gives every buffer of about 1 MiB
        // (a large frame joined, a large reply copied off the heap for the socket) a fresh,
        // zeroed chunk; the pooled one reuses its arenas (1 MiB echo: ~20 % less wall time).
        ch.config().setAllocator(PooledByteBufAllocator.DEFAULT);
        ChannelPipeline p = ch.pipeline();
        wire.install(p);
        // out-of-band groups (docs/protocol.md 4.1): split on the way out, grouped and decoded on the way in
        p.addAfter(WirePipeline.FRAME_ENCODER, "oobEncoder", OutOfBandEncoder.INSTANCE);
        p.addLast("oobDecoder", new OutOfBandDecoder(dispatcher.codec(), OutOfBand.MAX_BUFFERS));
        p.addLast("requests", new RequestHandler(dispatcher));
        if (channels != null) channels.add(ch);
    }
}
