package io.picklebridge.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.picklebridge.pickle.PickleCodec;
import io.picklebridge.pickle.PyByteArray;
import io.picklebridge.pickle.PyTuple;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A reply carrying large bytes is pickled into direct memory, byte for byte as the codec's dumps. */
class LargeBytesPickleTest {
    private static final PickleCodec CODEC = PickleCodec.defaults();

    private static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) (i * 7 + (i >> 9));
        return b;
    }

    @Test
    void sameBytesAsDumpsAtEveryProtocol() {
        for (int protocol = 2; protocol <= 5; protocol++) {
            for (int n : new int[] {LargeBytesPickle.BY_REFERENCE, 1 << 20, (1 << 20) + 3}) {
                PyTuple message = PyTuple.of("result", 12L, pattern(n));
                ByteBuf frame = LargeBytesPickle.pickle(CODEC, message, protocol);
                try {
                    assertArrayEquals(CODEC.dumps(message, protocol), ByteBufUtil.getBytes(frame),
                            "protocol " + protocol + ", " + n + " bytes");
                } finally {
                    frame.release();
                }
            }
        }
    }

    @Test
    void twoLargeArraysAndSmallValuesAroundThem() {
        PyTuple message = PyTuple.of("result", 3L, pattern(70_000), "tail", pattern(200_000), null, true, 2.5);
        assertTrue(LargeBytesPickle.applies(message));
        ByteBuf frame = LargeBytesPickle.pickle(CODEC, message, 5);
        try {
            assertArrayEquals(CODEC.dumps(message, 5), ByteBufUtil.getBytes(frame));
        } finally {
            frame.release();
        }
    }

    @Test
    void theFrameIsDirectAndOwnsItsBytesTheArrayMayChangeAfterwards() {
        byte[] data = pattern(1 << 20);
        PyTuple message = PyTuple.of("result", 1L, data);
        byte[] expected = CODEC.dumps(message, 5);
        ByteBuf frame = LargeBytesPickle.pickle(CODEC, message, 5);
        try {
            assertTrue(frame.isDirect(), "written as it is, without a copy off the heap");
            java.util.Arrays.fill(data, (byte) 0);
            assertArrayEquals(expected, ByteBufUtil.getBytes(frame));
        } finally {
            frame.release();
        }
    }

    @Test
    void onlyPlainMessagesWithLargeBytesApply() {
        assertFalse(LargeBytesPickle.applies(PyTuple.of("result", 1L, pattern(100))));
        assertFalse(LargeBytesPickle.applies(PyTuple.of("result", 1L, new PyByteArray(pattern(1 << 20)))));
        assertFalse(LargeBytesPickle.applies(PyTuple.of("result", 1L, List.of(pattern(1 << 20)))));
        assertFalse(LargeBytesPickle.applies(List.of("result", 1L, pattern(1 << 20))));
        assertTrue(LargeBytesPickle.applies(PyTuple.of("result", 1L, pattern(1 << 20))));
    }

    @Test
    void outOfBandPickleOfABytesReplyIsThePlainPickle() {
        PyTuple message = PyTuple.of("result", 9L, pattern(300_000));
        ByteBuf frame = OutOfBandMessage.pickle(CODEC, message, OutOfBand.DEFAULT_MIN_BUFFER_BYTES);
        try {
            assertFalse(frame instanceof OutOfBandMessage);
            assertArrayEquals(CODEC.dumps(message, 5), ByteBufUtil.getBytes(frame));
        } finally {
            frame.release();
        }
    }

    @Test
    void aByteArrayInAReplyStillGoesOutOfBand() {
        ByteBuf frame = OutOfBandMessage.pickle(CODEC, PyTuple.of("result", 9L, new PyByteArray(pattern(300_000))),
                OutOfBand.DEFAULT_MIN_BUFFER_BYTES);
        try {
            assertTrue(frame instanceof OutOfBandMessage);
            assertEquals(1, ((OutOfBandMessage) frame).bufferCount());
        } finally {
            frame.release();
        }
    }
}
