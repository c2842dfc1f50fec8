package io.picklebridge.client;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.picklebridge.pickle.PickleCodec;
import io.picklebridge.wire.ClientHandshakeHandler;
import io.picklebridge.wire.FrameDecoder;
import io.picklebridge.wire.FrameEncoder;
import io.picklebridge.wire.MessageCodec;

import java.time.Duration;

/**
 * The pipeline of every client connection, whatever the transport, built only from the shared
 * wire handlers:
 *
 * <pre>
 *  peer -&gt; FrameDecoder -&gt; [ClientHandshakeHandler] -&gt; MessageCodec -&gt; ReplyHandler -&gt; futures
 *  peer &lt;- FrameEncoder &lt;- [ClientHandshakeHandler] &lt;- MessageCodec &lt;- FlushConsolidationHandler &lt;- call()
 * </pre>
 *
 * The handshake handler is present when an authkey was given (socket transports); it holds the
 * {@code hello} written right after connecting until both sides have proved the key. The first
 * pickles are written at protocol 4, which every Python 3 from 3.4 reads; the {@code hello}
 * exchange then raises it (to 5 with the Java server and Python 3.8+).
 *
 * <pre>{@code
 * new Bootstrap().handler(new ClientPipeline(maxFrame, authkey, codec, timeout, replies));
 * }</pre>
 */
final class ClientPipeline extends ChannelInitializer<Channel> {
    /** Protocol of the pickles written before the hello reply: readable by Python 3.4+. */
    static final int INITIAL_PROTOCOL = 4;

    private final int maxFrame;
    private final byte[] authkey;
    private final PickleCodec codec;
    private final Duration handshakeTimeout;
    private final ReplyHandler replies;

    /** @param authkey null for no authentication */
    ClientPipeline(int maxFrame, byte[] authkey, PickleCodec codec, Duration handshakeTimeout, ReplyHandler replies) {
        this.maxFrame = maxFrame;
        this.authkey = authkey == null ? null : authkey.clone();
        this.codec = codec;
        this.handshakeTimeout = handshakeTimeout;
        this.replies = replies;
    }

    @Override
    protected void initChannel(Channel ch) {
        ChannelPipeline p = ch.pipeline();
        p.addLast("frameDecoder", new FrameDecoder(maxFrame));
        p.addLast("frameEncoder", FrameEncoder.INSTANCE);
        if (authkey != null) p.addLast("handshake", new ClientHandshakeHandler(authkey, handshakeTimeout));
        p.addLast("messages", new MessageCodec(codec, Math.min(INITIAL_PROTOCOL, codec.protocol())));
        p.addLast("replies", replies);
        // calls written from many threads: one flush per burst rather than one per call
        p.addLast("flushes", new FlushConsolidationHandler(FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true));
    }
}
