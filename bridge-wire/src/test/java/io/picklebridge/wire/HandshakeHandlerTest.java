package io.picklebridge.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HandshakeHandlerTest {
    private static final byte[] KEY = "secret key".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OTHER_KEY = "other key".getBytes(StandardCharsets.US_ASCII);

    /** A channel with framing, the given handshake handler and a recorder. */
    private record Peer(EmbeddedChannel channel, FrameDecoder decoder, Recorder recorder) {
        static Peer of(AuthkeyHandshakeHandler handshake) {
            FrameDecoder decoder = new FrameDecoder(1000);
            Recorder recorder = new Recorder();
            return new Peer(new EmbeddedChannel(decoder, FrameEncoder.INSTANCE, handshake, recorder), decoder, recorder);
        }

        /** A peer with framing only: the test plays the other side's handshake by hand. */
        static Peer raw() {
            FrameDecoder decoder = new FrameDecoder();
            Recorder recorder = new Recorder();
            return new Peer(new EmbeddedChannel(decoder, FrameEncoder.INSTANCE, recorder), decoder, recorder);
        }

        void send(byte[] payload) {
            channel.writeOutbound(Unpooled.wrappedBuffer(payload));
        }

        /** Payloads of the frames this raw peer received. */
        List<byte[]> received() {
            List<byte[]> out = new ArrayList<>();
            for (Object m : recorder.messages) {
                out.add(ByteBufUtil.getBytes((ByteBuf) m));
                ((ByteBuf) m).release();
            }
            recorder.messages.clear();
            return out;
        }
    }

    /** Moves bytes both ways until neither side has anything left to send. */
    private static void shuttle(EmbeddedChannel a, EmbeddedChannel b) {
        for (int round = 0; round < 50; round++) {
            boolean moved = move(a, b) | move(b, a);
            if (!moved) return;
        }
        throw new AssertionError("handshake did not settle in 50 rounds");
    }

    private static boolean move(EmbeddedChannel from, EmbeddedChannel to) {
        boolean moved = false;
        for (Object m; (m = from.readOutbound()) != null; ) {
            moved = true;
            if (to.isActive()) {
                try {
                    to.writeInbound(m);
                } catch (WireException ignored) {
                    // the receiver reported it through exceptionCaught too; tests assert on that
                }
            } else {
                ((ByteBuf) m).release();
            }
        }
        return moved;
    }

    @Test
    void serverAndClientAuthenticateEachOtherAndThenPassFramesThrough() {
        Peer server = Peer.of(new ServerHandshakeHandler(KEY));
        Peer client = Peer.of(new ClientHandshakeHandler(KEY));
        assertEquals(AuthkeyHandshake.MAX_FRAME_LENGTH, server.decoder.maxFrameLength());
        // written before authentication: held back, then sent right after
        ChannelFuture early = client.channel.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {42}));
        assertFalse(early.isDone());

        shuttle(server.channel, client.channel);

        assertEquals(List.of(new HandshakeCompleted("sha256")), server.recorder.events);
        assertEquals(List.of(new HandshakeCompleted("sha256")), client.recorder.events);
        assertNull(server.channel.pipeline().get(ServerHandshakeHandler.class));
        assertNull(client.channel.pipeline().get(ClientHandshakeHandler.class));
        assertEquals(1000, server.decoder.maxFrameLength());
        assertEquals(1000, client.decoder.maxFrameLength());
        assertTrue(early.isSuccess());
        assertEquals(1, server.recorder.messages.size());
        assertArrayEquals(new byte[] {42}, ByteBufUtil.getBytes((ByteBuf) server.recorder.messages.get(0)));
        ((ByteBuf) server.recorder.messages.get(0)).release();
        assertTrue(server.recorder.errors.isEmpty() && client.recorder.errors.isEmpty());

        // frames larger than a handshake frame now pass
        server.channel.writeOutbound(Unpooled.wrappedBuffer(new byte[900]));
        shuttle(server.channel, client.channel);
        assertEquals(900, ((ByteBuf) client.recorder.messages.get(0)).readableBytes());
        ((ByteBuf) client.recorder.messages.get(0)).release();
        assertFalse(server.channel.finishAndReleaseAll());
        assertFalse(client.channel.finishAndReleaseAll());
    }

    @Test
    void wrongKeyIsRefusedWithFailureAndBothSidesClose() {
        Peer server = Peer.of(new ServerHandshakeHandler(KEY));
        Peer client = Peer.of(new ClientHandshakeHandler(OTHER_KEY));
        ChannelFuture early = client.channel.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {42}));

        shuttle(server.channel, client.channel);

        assertFalse(server.channel.isOpen());
        assertFalse(client.channel.isOpen());
        AuthenticationException serverError = assertInstanceOf(AuthenticationException.class, server.recorder.errors.get(0));
        assertEquals("digest received was wrong", serverError.getMessage());
        AuthenticationException clientError = assertInstanceOf(AuthenticationException.class, client.recorder.errors.get(0));
        assertEquals("digest sent was rejected", clientError.getMessage());
        assertTrue(server.recorder.events.isEmpty() && server.recorder.messages.isEmpty());
        assertInstanceOf(AuthenticationException.class, early.cause());
        assertFalse(server.channel.finishAndReleaseAll());
        assertFalse(client.channel.finishAndReleaseAll());
    }

    @Test
    void serverSendsItsChallengeWithTheSha256Prefix() {
        Peer server = Peer.of(new ServerHandshakeHandler(KEY));
        ByteBuf frame = server.channel.readOutbound();
        byte[] bytes = ByteBufUtil.getBytes(frame);
        frame.release();
        assertEquals(4 + 11 + 8 + 40, bytes.length);
        assertEquals("0000003b", ByteBufUtil.hexDump(bytes, 0, 4));
        assertEquals("#CHALLENGE#{sha256}", new String(bytes, 4, 19, StandardCharsets.US_ASCII));
        assertFalse(server.channel.finishAndReleaseAll());
    }

    @Test
    void serverAcceptsALegacyRawMd5ResponseAndAnswersALegacyChallenge() {
        Peer server = Peer.of(new ServerHandshakeHandler(KEY));
        Peer legacy = Peer.raw();
        move(server.channel, legacy.channel);
        byte[] challenge = legacy.received().get(0);
        byte[] message = Arrays.copyOfRange(challenge, 11, challenge.length);
        // a 3.6-3.11 client: raw HMAC-MD5 of the whole message, prefix included
        legacy.send(AuthkeyHandshake.hmac("md5", KEY, message));
        move(legacy.channel, server.channel);
        move(server.channel, legacy.channel);
        assertArrayEquals(AuthkeyHandshake.WELCOME, legacy.received().get(0));
        // then it delivers a legacy 20-byte challenge
        byte[] legacyMessage = new byte[20];
        new SecureRandom().nextBytes(legacyMessage);
        legacy.send(AuthkeyHandshake.challengeFrame(legacyMessage));
        move(legacy.channel, server.channel);
        move(server.channel, legacy.channel);
        assertArrayEquals(AuthkeyHandshake.hmac("md5", KEY, legacyMessage), legacy.received().get(0));
        legacy.send(AuthkeyHandshake.WELCOME);
        move(legacy.channel, server.channel);
        assertEquals(List.of(new HandshakeCompleted("md5")), server.recorder.events);
        assertFalse(server.channel.finishAndReleaseAll());
        assertFalse(legacy.channel.finishAndReleaseAll());
    }

    @Test
    void clientRefusesAServerThatAnswersItsChallengeWrongly() {
        Peer client = Peer.of(new ClientHandshakeHandler(KEY));
        Peer fakeServer = Peer.raw();
        byte[] message = new byte[20];
        fakeServer.send(AuthkeyHandshake.challengeFrame(message));
        move(fakeServer.channel, client.channel);
        move(client.channel, fakeServer.channel);
        assertArrayEquals(AuthkeyHandshake.hmac("md5", KEY, message), fakeServer.received().get(0));
        fakeServer.send(AuthkeyHandshake.WELCOME);
        move(fakeServer.channel, client.channel);
        move(client.channel, fakeServer.channel);
        byte[] clientChallenge = fakeServer.received().get(0);
        assertTrue(AuthkeyHandshake.startsWith(clientChallenge, AuthkeyHandshake.CHALLENGE));
        fakeServer.send(AuthkeyHandshake.answer(OTHER_KEY, clientChallenge));
        move(fakeServer.channel, client.channel);
        move(client.channel, fakeServer.channel);
        assertArrayEquals(AuthkeyHandshake.FAILURE, fakeServer.received().get(0));
        assertFalse(client.channel.isOpen());
        assertEquals("digest received was wrong", client.recorder.errors.get(0).getMessage());
        assertFalse(client.channel.finishAndReleaseAll());
        assertFalse(fakeServer.channel.finishAndReleaseAll());
    }

    @Test
    void aMessageBeforeAuthenticationNeverReachesTheApplication() {
        Peer server = Peer.of(new ServerHandshakeHandler(KEY));
        Peer keyless = Peer.raw();
        move(server.channel, keyless.channel);
        keyless.received();
        // a stock client without authkey sends its request straight away
        keyless.send(new byte[] {(byte) 0x80, 4, 0x4e, 0x2e});
        move(keyless.channel, server.channel);
        move(server.channel, keyless.channel);
        assertArrayEquals(AuthkeyHandshake.FAILURE, keyless.received().get(0));
        assertTrue(server.recorder.messages.isEmpty());
        assertFalse(server.channel.isOpen());
        assertTrue(server.recorder.errors.get(0).getMessage().startsWith("unsupported message length"));
        assertFalse(server.channel.finishAndReleaseAll());
        assertFalse(keyless.channel.finishAndReleaseAll());
    }

    @Test
    void aNonChallengeFrameAfterWelcomeIsRefused() {
        Peer server = Peer.of(new ServerHandshakeHandler(KEY));
        Peer client = Peer.raw();
        move(server.channel, client.channel);
        byte[] challenge = client.received().get(0);
        client.send(AuthkeyHandshake.answer(KEY, challenge));
        client.send("a message, not a challenge".getBytes(StandardCharsets.US_ASCII));
        move(client.channel, server.channel);
        assertFalse(server.channel.isOpen());
        assertTrue(server.recorder.messages.isEmpty());
        assertTrue(server.recorder.errors.get(0).getMessage().startsWith("expected a #CHALLENGE# frame"));
        move(server.channel, client.channel);
        assertArrayEquals(AuthkeyHandshake.WELCOME, client.received().get(0));
        assertFalse(server.channel.finishAndReleaseAll());
        assertFalse(client.channel.finishAndReleaseAll());
    }

    @Test
    void anOversizedHandshakeFrameIsRefusedFromItsHeader() {
        Peer server = Peer.of(new ServerHandshakeHandler(KEY));
        ((ByteBuf) server.channel.readOutbound()).release();
        server.channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {0, 0, 1, 1})); // 257 bytes announced
        ByteBuf reply = server.channel.readOutbound();
        assertEquals("00000009" + ByteBufUtil.hexDump(AuthkeyHandshake.FAILURE), ByteBufUtil.hexDump(reply));
        reply.release();
        assertFalse(server.channel.isOpen());
        AuthenticationException e = assertInstanceOf(AuthenticationException.class, server.recorder.errors.get(0));
        assertInstanceOf(FrameTooLongException.class, e.getCause());
        assertFalse(server.channel.finishAndReleaseAll());
    }

    @Test
    void aSilentPeerTimesOut() {
        Peer client = Peer.of(new ClientHandshakeHandler(KEY, Duration.ofSeconds(5)));
        client.channel.advanceTimeBy(4, TimeUnit.SECONDS);
        client.channel.runScheduledPendingTasks();
        assertTrue(client.channel.isOpen());
        client.channel.advanceTimeBy(2, TimeUnit.SECONDS);
        client.channel.runScheduledPendingTasks();
        assertFalse(client.channel.isOpen());
        assertEquals("no complete handshake within 5000 ms", client.recorder.errors.get(0).getMessage());
        assertFalse(client.channel.finishAndReleaseAll());
    }

    /** The known answers printed in docs/protocol.md (src/test/python/protocol_examples.py, from CPython's hmac). */
    @Test
    void computesTheDocumentedKnownAnswers() {
        byte[] key = "example-key".getBytes(StandardCharsets.US_ASCII);
        byte[] nonce = new byte[40];
        for (int i = 0; i < nonce.length; i++) nonce[i] = (byte) i;
        byte[] message = AuthkeyHandshake.newChallengeMessage(new SecureRandom() {
            @Override
            public void nextBytes(byte[] bytes) {
                System.arraycopy(nonce, 0, bytes, 0, bytes.length);
            }
        });
        byte[] challenge = AuthkeyHandshake.challengeFrame(message);
        assertEquals("#CHALLENGE#{sha256}", new String(challenge, 0, 19, StandardCharsets.US_ASCII));
        assertEquals("7b7368613235367d" + "bd986f15bf7a90cd89a7373eacf0375e9d5f765a136dda88ae1850b80e1bb6ab",
                ByteBufUtil.hexDump(AuthkeyHandshake.answer(key, challenge)));
        assertEquals("sha256", AuthkeyHandshake.verify(key, message, AuthkeyHandshake.answer(key, challenge)));
        byte[] legacyResponse = ByteBufUtil.decodeHexDump("8cf648b6490e01e747f5548203c36b0d");
        assertEquals("md5", AuthkeyHandshake.verify(key, message, legacyResponse));
        byte[] legacyChallenge = AuthkeyHandshake.challengeFrame(Arrays.copyOf(nonce, 20));
        assertEquals("b357ef431e6dca1690cf4f41367d1dc9", ByteBufUtil.hexDump(AuthkeyHandshake.answer(key, legacyChallenge)));
    }

    @Test
    void refusesMalformedResponses() {
        byte[] message = AuthkeyHandshake.newChallengeMessage(new SecureRandom());
        byte[] good = AuthkeyHandshake.answer(KEY, AuthkeyHandshake.challengeFrame(message));
        byte[] truncated = Arrays.copyOf(good, good.length - 1);
        assertEquals("expected 'sha256' of length 32, got 31",
                assertThrows(AuthenticationException.class, () -> AuthkeyHandshake.verify(KEY, message, truncated)).getMessage());
        byte[] unknownDigest = "{sha1}0123456789abcdefghij".getBytes(StandardCharsets.US_ASCII);
        assertThrows(AuthenticationException.class, () -> AuthkeyHandshake.verify(KEY, message, unknownDigest));
        byte[] twentyBytes = new byte[20]; // legacy length, but an MD5 is 16 bytes
        assertThrows(AuthenticationException.class, () -> AuthkeyHandshake.verify(KEY, message, twentyBytes));
        byte[] shortChallenge = AuthkeyHandshake.challengeFrame(new byte[19]);
        assertEquals("challenge too short: 19 bytes",
                assertThrows(AuthenticationException.class, () -> AuthkeyHandshake.answer(KEY, shortChallenge)).getMessage());
    }

    @Test
    void rejectsAnEmptyKey() {
        assertThrows(IllegalArgumentException.class, () -> new ServerHandshakeHandler(new byte[0]));
    }
}
