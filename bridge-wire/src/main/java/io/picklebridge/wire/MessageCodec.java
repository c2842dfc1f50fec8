package io.picklebridge.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageCodec;
import io.picklebridge.pickle.PickleCodec;

import java.util.List;
import java.util.Objects;

/**
 * Turns frames into {@link Message}s and back, with the pickle codec. One instance per channel:
 * it remembers which pickle protocol to answer in.
 *
 * <pre>
 * inbound:  ByteBuf frame 80 04 95 ... 2e  -> PickleCodec.loads(frame.nioBuffer()) -> Messages.fromPickleValue -> Call
 * outbound: Result -> toPickleValue() ("result", 1, value) -> PickleCodec.dumps(value, protocol) -> ByteBuf
 * </pre>
 *
 * <p><b>Protocol selection.</b> Outbound pickles use, in order of precedence: the protocol
 * negotiated by hello (the smaller of the two hellos' {@code "protocol"}, once the peer's hello
 * has been received; clamped to 2..5); else the protocol of the last pickle received (its
 * {@code PROTO} opcode; 0 and 1, which have none, answer at 2); else the initial protocol given
 * to the constructor (default: the codec's protocol).
 *
 * <p><b>Unusable frames.</b> A frame that is empty, starts with the reserved {@code 0xff} byte,
 * is not a pickle the codec accepts, or does not hold a valid message is consumed and reported
 * as a {@link ProtocolException} through {@code exceptionCaught} (never closing the channel),
 * carrying the request id when it could be read; the next frame is decoded normally. The
 * application answers it with {@code ("error", id or None, {"type": "ProtocolError", ...})}.
 *
 * <p><b>Encoding failures</b> (a value the codec cannot pickle) fail the write's promise with a
 * Netty {@code EncoderException} whose cause is the codec's {@code PickleException}; nothing is
 * written, so the application can send an {@link ErrorReply} for that id instead.
 *
 * <p><b>Pre-encoded replies.</b> Outbound {@link ByteBuf}s pass through untouched to the
 * {@link FrameEncoder}, so an application may pickle large replies off the event loop and write
 * the bytes itself (at the {@link #outboundProtocol()} captured when the request was read).
 *
 * <pre>{@code
 * pipeline.addLast(new FrameDecoder(), FrameEncoder.INSTANCE,
 *                  new ServerHandshakeHandler(key), new MessageCodec(PickleCodec.defaults()), app);
 * }</pre>
 */
public final class MessageCodec extends MessageToMessageCodec<ByteBuf, Message> {
    /** First byte of a frame reserved for the out-of-band buffer extension. */
    public static final int OUT_OF_BAND_MARKER = 0xff;

    private static final int PROTO_OPCODE = 0x80;
    private static final int LOWEST_WRITTEN_PROTOCOL = 2;

    private final PickleCodec codec;
    private final int initialProtocol;
    private int lastReceivedProtocol = -1;
    private int localHelloProtocol = -1;
    private int negotiatedProtocol = -1;

    /** A codec that writes at the codec's protocol until it has received something. */
    public MessageCodec(PickleCodec codec) {
        this(codec, codec.protocol());
    }

    /**
     * @param initialProtocol protocol written before any pickle was received (2 to 5); a Java
     *                        client that may talk to Python 3.6/3.7 peers passes 4
     */
    public MessageCodec(PickleCodec codec, int initialProtocol) {
        super(ByteBuf.class, Message.class);
        this.codec = Objects.requireNonNull(codec, "codec");
        if (initialProtocol < LOWEST_WRITTEN_PROTOCOL || initialProtocol > PickleCodec.HIGHEST_PROTOCOL) {
            throw new IllegalArgumentException("initialProtocol must be 2 to " + PickleCodec.HIGHEST_PROTOCOL
                    + ", got " + initialProtocol);
        }
        this.initialProtocol = initialProtocol;
    }

    /**
     * The protocol the next outbound message is written in. Read on the event loop in
     * {@code channelRead} of a decoded message, it is the protocol to answer that message in:
     * an application that encodes replies itself (say on worker threads) captures it there.
     */
    public int outboundProtocol() {
        if (negotiatedProtocol >= 0) return negotiatedProtocol;
        if (lastReceivedProtocol >= 0) return lastReceivedProtocol;
        return initialProtocol;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf frame, List<Object> out) {
        if (!frame.isReadable()) {
            throw new ProtocolException("empty frame: a message frame holds one pickle");
        }
        int start = frame.readerIndex();
        int first = frame.getUnsignedByte(start);
        if (first == OUT_OF_BAND_MARKER) {
            throw new ProtocolException("frame starts with 0xff, reserved for out-of-band buffers,"
                    + " which this connection did not negotiate");
        }
        lastReceivedProtocol = first == PROTO_OPCODE && frame.readableBytes() > 1
                ? clamp(frame.getUnsignedByte(start + 1))
                : LOWEST_WRITTEN_PROTOCOL;
        Object value;
        try {
            value = codec.loads(frame.nioBuffer());
        } catch (RuntimeException e) { // PickleException, or anything a hostile pickle provokes
            throw new ProtocolException("not a usable pickle: " + e.getMessage(), null, null, e);
        }
        Message message = Messages.fromPickleValue(value);
        if (message instanceof Hello hello && hello.protocol().isPresent()) {
            int peer = clamp(hello.protocol().getAsInt());
            negotiatedProtocol = localHelloProtocol >= 0 ? Math.min(peer, localHelloProtocol) : peer;
        }
        out.add(message);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, Message message, List<Object> out) {
        byte[] pickle = codec.dumps(message.toPickleValue(), outboundProtocol());
        if (message instanceof Hello hello && hello.protocol().isPresent()) {
            localHelloProtocol = clamp(hello.protocol().getAsInt());
            if (negotiatedProtocol >= 0) {
                negotiatedProtocol = Math.min(negotiatedProtocol, localHelloProtocol);
            }
        }
        out.add(Unpooled.wrappedBuffer(pickle));
    }

    private static int clamp(int protocol) {
        return Math.max(LOWEST_WRITTEN_PROTOCOL, Math.min(PickleCodec.HIGHEST_PROTOCOL, protocol));
    }
}
