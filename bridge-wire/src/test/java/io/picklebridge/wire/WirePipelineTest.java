package io.picklebridge.wire;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.picklebridge.pickle.PickleCodec;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

class WirePipelineTest {
    private static final byte[] KEY = "k".getBytes(StandardCharsets.US_ASCII);

    private static List<String> names(EmbeddedChannel ch) {
        return ch.pipeline().names().stream()
                .filter(n -> !n.startsWith("DefaultChannelPipeline") && !n.startsWith("Recorder")).toList();
    }

    @Test
    void installsTheHandlersInOrder() {
        EmbeddedChannel server = new EmbeddedChannel();
        WirePipeline.server().authkey(KEY).codec(PickleCodec.defaults()).maxFrameLength(1000).build()
                .install(server.pipeline());
        server.pipeline().addLast(new Recorder()); // the application: told when the handshake ends
        assertEquals(List.of("frameDecoder", "frameEncoder", "handshake", "messageCodec"), names(server));
        ByteBuf challenge = server.readOutbound(); // the channel was already active: the handshake started
        int challengeLength = challenge.readableBytes();
        challenge.release();
        assertEquals(4 + 59, challengeLength);
        assertInstanceOf(ServerHandshakeHandler.class, server.pipeline().get(WirePipeline.HANDSHAKE));
        assertEquals(256, server.pipeline().get(FrameDecoder.class).maxFrameLength(), "lowered during the handshake");
        assertFalse(server.finishAndReleaseAll());

        EmbeddedChannel client = new EmbeddedChannel();
        WirePipeline.client().authkey(KEY).codec(PickleCodec.defaults()).initialProtocol(4).build()
                .install(client.pipeline());
        client.pipeline().addLast(new Recorder());
        assertInstanceOf(ClientHandshakeHandler.class, client.pipeline().get(WirePipeline.HANDSHAKE));
        assertEquals(4, client.pipeline().get(MessageCodec.class).outboundProtocol());
        assertFalse(client.finishAndReleaseAll());
    }

    @Test
    void leavesOutTheHandshakeWithoutAKeyAndTheCodecWithoutACodec() {
        EmbeddedChannel stdio = new EmbeddedChannel();
        WirePipeline.server().build().install(stdio.pipeline());
        assertEquals(List.of("frameDecoder", "frameEncoder"), names(stdio));
        assertEquals(FrameDecoder.DEFAULT_MAX_FRAME_LENGTH, stdio.pipeline().get(FrameDecoder.class).maxFrameLength());
        assertFalse(stdio.finishAndReleaseAll());
    }

    @Test
    void refusesBadSettings() {
        assertThrows(IllegalArgumentException.class, () -> WirePipeline.client().authkey(new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> WirePipeline.client().maxFrameLength(-1));
        assertThrows(IllegalArgumentException.class, () -> WirePipeline.client().initialProtocol(6));
        assertThrows(IllegalStateException.class, () -> WirePipeline.client().initialProtocol(4).build());
    }
}
