package io.picklebridge.wire;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.picklebridge.pickle.PickleCodec;

/**
 * Decides when the out-of-band extension is on, and then writes messages with it. It watches
 * the {@link Hello} each side sends: once both listed {@code "oob"} and the negotiated protocol
 * (the smaller of the two hellos' {@code "protocol"}) is 5, it marks the channel
 * ({@link OutOfBand#isNegotiated}) and pickles every outbound {@link Message} itself, taking
 * writable buffers of at least {@code minBufferBytes} out of band ({@link OutOfBandMessage}).
 * Until then, and for replies the application pre-encoded, messages pass to the
 * {@link MessageCodec} unchanged. One instance per channel, after the message codec.
 *
 * <pre>
 * client hello {"protocol": 5, "capabilities": [..., "oob"]}  ->  server hello {"protocol": 5, "capabilities": [..., "oob"]}
 * then: Result(7, ndarray of 8 MiB)  ->  ff 00 00 00 01 | pickle   +   8 MiB frame
 * </pre>
 */
public final class OutOfBandNegotiator extends ChannelDuplexHandler {
    private final PickleCodec codec;
    private final int minBufferBytes;
    private int localProtocol = -1;
    private int peerProtocol = -1;

    public OutOfBandNegotiator(PickleCodec codec, int minBufferBytes) {
        this.codec = codec;
        this.minBufferBytes = minBufferBytes;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Hello hello) {
            peerProtocol = offered(hello);
            update(ctx);
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof Hello hello) {
            localProtocol = offered(hello);
            ctx.write(msg, promise);
            update(ctx);
            return;
        }
        if (msg instanceof Message message && OutOfBand.isNegotiated(ctx.channel())) {
            io.netty.buffer.ByteBuf encoded;
            try {
                encoded = OutOfBandMessage.pickle(codec, message.toPickleValue(), minBufferBytes);
            } catch (RuntimeException e) {
                promise.setFailure(new io.netty.handler.codec.EncoderException(e));
                return;
            }
            ctx.write(encoded, promise);
            return;
        }
        ctx.write(msg, promise);
    }

    /** The protocol a hello offers when it lists "oob", else -1. */
    private static int offered(Hello hello) {
        if (!hello.capabilities().contains(OutOfBand.CAPABILITY)) return -1;
        return hello.protocol().orElse(-1);
    }

    private void update(ChannelHandlerContext ctx) {
        boolean on = localProtocol >= 5 && peerProtocol >= 5;
        ctx.channel().attr(OutOfBand.NEGOTIATED).set(on);
    }
}
