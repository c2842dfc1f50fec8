package io.picklebridge.pickle;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Outputs of several MiB are assembled from chunks (the Pickler hands finished output over
 * between frames instead of doubling one buffer): the bytes are the same as when streamed, at
 * every protocol, with and without framing, and with large payloads kept by reference in between.
 */
class PicklerChunkedOutputTest {
    private final PickleCodec codec = PickleCodec.defaults();

    private static List<Object> mixedValue() {
        List<Object> items = new ArrayList<>();
        for (int i = 0; i < 300_000; i++) {
            items.add(i % 3 == 0 ? (Object) ("s" + i) : i % 3 == 1 ? (Object) Long.valueOf((long) i * 1_000_003) : (Object) Double.valueOf(i * 0.25));
            if (i == 150_000) {
                byte[] big = new byte[200_000];
                Arrays.fill(big, (byte) 7);
                items.add(big); // a payload above the frame size, kept as its own chunk
            }
        }
        return items;
    }

    @Test
    void chunkedBytesEqualStreamedBytesAtEveryProtocol() {
        List<Object> value = mixedValue();
        for (int protocol = 2; protocol <= PickleCodec.HIGHEST_PROTOCOL; protocol++) {
            byte[] assembled = codec.dumps(value, protocol);
            ByteArrayOutputStream streamed = new ByteArrayOutputStream();
            codec.dump(value, protocol, streamed);
            assertTrue(assembled.length > 2_000_000, "protocol " + protocol + ": " + assembled.length);
            assertArrayEquals(streamed.toByteArray(), assembled, "protocol " + protocol);
            List<?> back = (List<?>) codec.loads(assembled);
            assertEquals(value.size(), back.size());
            assertArrayEquals((byte[]) value.get(150_001), (byte[]) back.get(150_001));
            assertEquals(value.get(299_999 + 1), back.get(299_999 + 1));
            assertEquals(value.get(12_345), back.get(12_345));
        }
    }
}
