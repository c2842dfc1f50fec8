package io.picklebridge.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.EncoderException;
import io.picklebridge.pickle.PickleCodec;
import io.picklebridge.pickle.PickleException;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MessageCodecTest {
    /** {@code ('call', 1, 'sys.echo', (7,), {})} as CPython 3.11 pickles it, by protocol. */
    private static final Map<Integer, String> CALL_BY_PROTOCOL = Map.of(
            0, "285663616c6c0a70300a49310a567379732e6563686f0a70310a2849370a7470320a286470330a7470340a2e",
            2, "800228580400000063616c6c71004b0158080000007379732e6563686f71014b078571027d71037471042e",
            3, "800328580400000063616c6c71004b0158080000007379732e6563686f71014b078571027d71037471042e",
            4, "8004951e00000000000000288c0463616c6c944b018c087379732e6563686f944b0785947d9474942e",
            5, "8005951e00000000000000288c0463616c6c944b018c087379732e6563686f944b0785947d9474942e");
    /** {@code ('hello', {'protocol': 3})} at protocol 5. */
    private static final String HELLO_3 = "8005951b000000000000008c0568656c6c6f947d948c0870726f746f636f6c944b037386942e";

    private static ByteBuf hex(String hex) {
        return Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(hex));
    }

    private static EmbeddedChannel channel(Recorder recorder) {
        return new EmbeddedChannel(new MessageCodec(PickleCodec.defaults()), recorder);
    }

    /** The protocol of the pickle the channel wrote last (its PROTO opcode's argument). */
    private static int writtenProtocol(EmbeddedChannel ch) {
        ByteBuf out = ch.readOutbound();
        try {
            assertEquals(0x80, out.getUnsignedByte(0));
            return out.getUnsignedByte(1);
        } finally {
            out.release();
        }
    }

    @Test
    void decodesACallFromEveryProtocolAndAnswersInThatProtocol() {
        for (var entry : CALL_BY_PROTOCOL.entrySet()) {
            Recorder recorder = new Recorder();
            EmbeddedChannel ch = channel(recorder);
            ch.writeInbound(hex(entry.getValue()));
            assertEquals(Call.of(1, "sys.echo", 7L), recorder.messages.get(0));
            ch.writeOutbound(new Result(1, 7L));
            int expected = Math.max(2, entry.getKey());
            assertEquals(expected, writtenProtocol(ch), "request at protocol " + entry.getKey());
            assertFalse(ch.finishAndReleaseAll());
        }
    }

    @Test
    void encodesTheMessageTupleAsOnePickle() {
        EmbeddedChannel ch = channel(new Recorder());
        ch.writeInbound(hex(CALL_BY_PROTOCOL.get(4)));
        ch.writeOutbound(new Result(1, 7L));
        ByteBuf out = ch.readOutbound();
        // PROTO 4, FRAME: CPython reads it (checked against real interpreters in StockPython*Test)
        assertEquals("800495", ByteBufUtil.hexDump(out, 0, 3));
        assertEquals(new Result(1, 7L).toPickleValue(), PickleCodec.defaults().loads(ByteBufUtil.getBytes(out)));
        out.release();
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void helloNegotiatesTheProtocolForTheRestOfTheConnection() {
        Recorder recorder = new Recorder();
        EmbeddedChannel ch = channel(recorder);
        MessageCodec codec = ch.pipeline().get(MessageCodec.class);
        assertEquals(5, codec.outboundProtocol());
        ch.writeInbound(hex(HELLO_3));
        assertEquals(3, ((Hello) recorder.messages.get(0)).protocol().getAsInt());
        assertEquals(3, codec.outboundProtocol());
        ch.writeInbound(hex(CALL_BY_PROTOCOL.get(5))); // a later request at 5 does not override the hello
        ch.writeOutbound(new Result(1, 7L));
        assertEquals(3, writtenProtocol(ch));
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void negotiatesTheSmallerOfBothHellos() {
        EmbeddedChannel client = channel(new Recorder());
        MessageCodec codec = client.pipeline().get(MessageCodec.class);
        client.writeOutbound(new Hello(Map.of("protocol", 4L)));
        assertEquals(5, writtenProtocol(client));
        assertEquals(5, codec.outboundProtocol(), "not before the peer's hello arrived");
        client.writeInbound(hex("8005951b000000000000008c0568656c6c6f947d948c0870726f746f636f6c944b057386942e"));
        assertEquals(4, codec.outboundProtocol());
        assertFalse(client.finishAndReleaseAll());
    }

    @Test
    void anUnusableFrameBecomesAProtocolExceptionAndTheNextFrameIsDecoded() {
        Recorder recorder = new Recorder();
        EmbeddedChannel ch = channel(recorder);
        ch.writeInbound(hex("80040000"));                       // truncated pickle
        ch.writeInbound(hex("ff00"));                           // reserved out-of-band marker
        ch.writeInbound(Unpooled.EMPTY_BUFFER.retainedDuplicate());
        ch.writeInbound(hex("80024b072e"));                     // pickle of 7: not a message
        ch.writeInbound(hex(CALL_BY_PROTOCOL.get(3)));
        assertEquals(4, recorder.errors.size());
        ProtocolException notPickle = assertInstanceOf(ProtocolException.class, recorder.errors.get(0));
        assertTrue(notPickle.getMessage().startsWith("not a usable pickle: "), notPickle.getMessage());
        assertInstanceOf(PickleException.class, notPickle.getCause());
        assertTrue(recorder.errors.get(1).getMessage().startsWith("frame starts with 0xff"));
        assertEquals("empty frame: a message frame holds one pickle", recorder.errors.get(2).getMessage());
        assertEquals("a message must be a tuple whose first item is a str naming its kind, got int",
                recorder.errors.get(3).getMessage());
        assertEquals(Call.of(1, "sys.echo", 7L), recorder.messages.get(0));
        assertTrue(ch.isOpen());
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void aValueTheCodecCannotPickleFailsTheWriteAndWritesNothing() {
        EmbeddedChannel ch = channel(new Recorder());
        ChannelFuture write = ch.writeOneOutbound(new Result(1, new Object()));
        ch.flushOutbound();
        assertFalse(write.isSuccess());
        EncoderException e = assertInstanceOf(EncoderException.class, write.cause());
        assertInstanceOf(PickleException.class, e.getCause());
        assertFalse(ch.finishAndReleaseAll());
    }

    /** The error frame's payload printed in docs/protocol.md (CPython 3.8-3.13, protocol 4). */
    @Test
    void decodesTheDocumentedErrorReply() {
        Recorder recorder = new Recorder();
        EmbeddedChannel ch = channel(recorder);
        ch.writeInbound(hex("8004957c000000000000008c056572726f72944b027d94288c0474797065948c0c54696d656f75744572726f72948c0a"
                + "6a6176615f636c617373948c00948c076d657373616765948c1574696d6564206f757420616674657220322e30207394"
                + "8c0974726163656261636b9468058c06776f726b6572948c097379732e736c656570947587942e"));
        assertEquals(new ErrorReply(2L, new ErrorInfo("TimeoutError", "", "timed out after 2.0 s", "", null, "sys.sleep")),
                recorder.messages.get(0));
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void preEncodedBytesPassThroughUntouched() {
        EmbeddedChannel ch = channel(new Recorder());
        ch.writeOutbound(hex("80024b072e"));
        ByteBuf out = ch.readOutbound();
        assertEquals("80024b072e", ByteBufUtil.hexDump(out));
        out.release();
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void refusesAnInvalidInitialProtocol() {
        assertThrows(IllegalArgumentException.class, () -> new MessageCodec(PickleCodec.defaults(), 1));
    }
}
