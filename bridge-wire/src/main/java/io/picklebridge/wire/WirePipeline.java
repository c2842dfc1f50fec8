package io.picklebridge.wire;

import io.netty.channel.ChannelPipeline;
import io.picklebridge.pickle.PickleCodec;

import java.time.Duration;
import java.util.Objects;

/**
 * Installs this module's handlers into a channel pipeline in the one correct order, for either
 * end of a connection:
 *
 * <pre>
 * "frameDecoder"  FrameDecoder             bytes  -&gt; frames
 * "frameEncoder"  FrameEncoder.INSTANCE    frames -&gt; bytes
 * "handshake"     Server/ClientHandshakeHandler   only with an authkey (not on stdio)
 * "messageCodec"  MessageCodec             frames &lt;-&gt; Message, only with a codec
 * </pre>
 *
 * The application's handler goes after them ({@code pipeline.addLast(app)}). Immutable once
 * built; {@link #install} may be called for many channels (each gets fresh per-channel handlers).
 *
 * <pre>{@code
 * WirePipeline wire = WirePipeline.client().authkey(key).codec(PickleCodec.defaults()).initialProtocol(4).build();
 * bootstrap.handler(new ChannelInitializer<SocketChannel>() {
 *     protected void initChannel(SocketChannel ch) { wire.install(ch.pipeline()); ch.pipeline().addLast(app); }
 * });
 * }</pre>
 */
public final class WirePipeline {
    /** Handler names, to find or replace them later. */
    public static final String FRAME_DECODER = "frameDecoder";
    public static final String FRAME_ENCODER = "frameEncoder";
    public static final String HANDSHAKE = "handshake";
    public static final String MESSAGE_CODEC = "messageCodec";

    private final boolean server;
    private final int maxFrameLength;
    private final byte[] authkey;
    private final Duration handshakeTimeout;
    private final PickleCodec codec;
    private final int initialProtocol;

    private WirePipeline(Builder b) {
        this.server = b.server;
        this.maxFrameLength = b.maxFrameLength;
        this.authkey = b.authkey;
        this.handshakeTimeout = b.handshakeTimeout;
        this.codec = b.codec;
        this.initialProtocol = b.initialProtocol < 0 && codec != null ? codec.protocol() : b.initialProtocol;
    }

    /** For the accepting side: the handshake delivers its challenge first. */
    public static Builder server() {
        return new Builder(true);
    }

    /** For the connecting side: the handshake answers first. */
    public static Builder client() {
        return new Builder(false);
    }

    /** Adds the handlers at the end of the pipeline. */
    public void install(ChannelPipeline pipeline) {
        pipeline.addLast(FRAME_DECODER, new FrameDecoder(maxFrameLength));
        pipeline.addLast(FRAME_ENCODER, FrameEncoder.INSTANCE);
        if (authkey != null) {
            pipeline.addLast(HANDSHAKE, server
                    ? new ServerHandshakeHandler(authkey, handshakeTimeout)
                    : new ClientHandshakeHandler(authkey, handshakeTimeout));
        }
        if (codec != null) {
            pipeline.addLast(MESSAGE_CODEC, new MessageCodec(codec, initialProtocol));
        }
    }

    /** Settings for a {@link WirePipeline}; not thread-safe. */
    public static final class Builder {
        private final boolean server;
        private int maxFrameLength = FrameDecoder.DEFAULT_MAX_FRAME_LENGTH;
        private byte[] authkey;
        private Duration handshakeTimeout = AuthkeyHandshakeHandler.DEFAULT_TIMEOUT;
        private PickleCodec codec;
        private int initialProtocol = -1;

        private Builder(boolean server) {
            this.server = server;
        }

        /** Largest frame payload accepted (default 512 MiB). */
        public Builder maxFrameLength(int value) {
            new FrameDecoder(value); // validates the range
            this.maxFrameLength = value;
            return this;
        }

        /** Authenticate with this key (copied); null (the default) for no handshake, as on stdio. */
        public Builder authkey(byte[] value) {
            if (value != null && value.length == 0) throw new IllegalArgumentException("authkey must not be empty");
            this.authkey = value == null ? null : value.clone();
            return this;
        }

        /** Time allowed for the whole handshake (default 10 s). */
        public Builder handshakeTimeout(Duration value) {
            this.handshakeTimeout = Objects.requireNonNull(value, "handshakeTimeout");
            return this;
        }

        /** Decode frames into {@link Message}s with this codec; null (the default) leaves raw frames. */
        public Builder codec(PickleCodec value) {
            this.codec = value;
            return this;
        }

        /** Protocol written before anything was received (2 to 5; default: the codec's protocol). */
        public Builder initialProtocol(int value) {
            if (value < 2 || value > PickleCodec.HIGHEST_PROTOCOL) {
                throw new IllegalArgumentException("initialProtocol must be 2 to " + PickleCodec.HIGHEST_PROTOCOL
                        + ", got " + value);
            }
            this.initialProtocol = value;
            return this;
        }

        public WirePipeline build() {
            if (initialProtocol >= 0 && codec == null) {
                throw new IllegalStateException("initialProtocol needs a codec");
            }
            return new WirePipeline(this);
        }
    }
}
