package io.picklebridge.wire;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageEncoder;

import java.util.List;

/**
 * Turns an {@link OutOfBandMessage} into its frame payloads, which the {@link FrameEncoder}
 * after it frames; any other write passes untouched:
 *
 * <pre>
 * OutOfBandMessage(pickle 80 05 ... 2e, [buffer A (1 MiB), buffer B (64 KiB)])
 *   -> ff 00 00 00 02 80 05 ... 2e      (header + pickle)
 *   -> A's bytes                         (no copy: the buffer itself)
 *   -> B's bytes
 * </pre>
 *
 * Stateless and {@code @Sharable}; sits right after the frame encoder.
 */
@ChannelHandler.Sharable
public final class OutOfBandEncoder extends MessageToMessageEncoder<OutOfBandMessage> {
    public static final OutOfBandEncoder INSTANCE = new OutOfBandEncoder();

    private OutOfBandEncoder() {
        super(OutOfBandMessage.class);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, OutOfBandMessage message, List<Object> out) {
        out.addAll(message.retainedFrames()); // the message itself is released after this returns
    }
}
