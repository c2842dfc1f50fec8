package io.picklebridge.wire;

import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.util.AttributeKey;
import io.picklebridge.pickle.PickleCodec;

/**
 * The out-of-band buffer extension (capability {@code "oob"}, {@code docs/protocol.md} section
 * 4.1): a protocol 5 pickle's large buffers (numpy array data...) travel as their own frames
 * after it instead of being copied into it.
 *
 * <pre>
 * frame 1:       ff | count: uint32 BE | pickle (protocol 5, with count NEXT_BUFFER opcodes)
 * frames 2..n+1: the buffers' raw bytes, one per frame, in NEXT_BUFFER order
 * </pre>
 *
 * Installed after the wire pipeline ({@link #install}), it adds three handlers:
 * {@link OutOfBandEncoder} next to the {@link FrameEncoder} (one {@link OutOfBandMessage} write
 * becomes its frames), {@link OutOfBandDecoder} before the {@link MessageCodec} (groups the
 * frames back into a {@link Message}) and {@link OutOfBandNegotiator} after it (watches both
 * hellos; once both listed {@code "oob"} at protocol 5 it writes messages with large buffers
 * out of band).
 *
 * <pre>{@code
 * WirePipeline.server().codec(codec).build().install(pipeline);
 * OutOfBand.install(pipeline, codec, OutOfBand.DEFAULT_MIN_BUFFER_BYTES);
 * // the local hello must list OutOfBand.CAPABILITY among its capabilities
 * }</pre>
 */
public final class OutOfBand {
    /** The capability both hellos list to use the extension. */
    public static final String CAPABILITY = "oob";
    /** First byte of the first frame of a group. */
    public static final int MARKER = 0xff;
    /** Bytes before the pickle in the first frame: the marker and the uint32 count. */
    public static final int HEADER_LENGTH = 5;
    /** Buffers smaller than this stay in band by default: 64 KiB. */
    public static final int DEFAULT_MIN_BUFFER_BYTES = 64 << 10;
    /** Most buffers one message may carry; receivers accept at least this many. */
    public static final int MAX_BUFFERS = 1024;

    /** Set on the channel once both hellos listed {@code "oob"} and the negotiated protocol is 5. */
    static final AttributeKey<Boolean> NEGOTIATED = AttributeKey.valueOf(OutOfBand.class, "negotiated");

    static final String ENCODER = "oobEncoder";
    static final String DECODER = "oobDecoder";
    static final String NEGOTIATOR = "oobNegotiator";

    private OutOfBand() {}

    /**
     * Adds the extension's handlers around an installed wire pipeline (it must hold
     * {@link WirePipeline#FRAME_ENCODER} and {@link WirePipeline#MESSAGE_CODEC}).
     *
     * @param minBufferBytes buffers shorter than this are kept in band (at least 1)
     */
    public static void install(ChannelPipeline pipeline, PickleCodec codec, int minBufferBytes) {
        if (minBufferBytes < 1) throw new IllegalArgumentException("minBufferBytes must be at least 1, got " + minBufferBytes);
        pipeline.addAfter(WirePipeline.FRAME_ENCODER, ENCODER, OutOfBandEncoder.INSTANCE);
        pipeline.addBefore(WirePipeline.MESSAGE_CODEC, DECODER, new OutOfBandDecoder(codec, MAX_BUFFERS));
        pipeline.addAfter(WirePipeline.MESSAGE_CODEC, NEGOTIATOR, new OutOfBandNegotiator(codec, minBufferBytes));
    }

    /** Whether this channel's peers both listed {@code "oob"} at protocol 5. */
    public static boolean isNegotiated(Channel channel) {
        return Boolean.TRUE.equals(channel.attr(NEGOTIATED).get());
    }
}
