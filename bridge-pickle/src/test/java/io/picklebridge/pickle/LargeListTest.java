package io.picklebridge.pickle;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A million-element list decodes by appending each batch once (no re-copying of the list per
 * batch, the quadratic trap): checked by structure, not time.
 */
class LargeListTest {
    private final PickleCodec codec = PickleCodec.defaults();

    @Test
    void aMillionIntsInBatchesOfAThousand() {
        List<Long> ints = new ArrayList<>();
        for (long i = 0; i < 1_000_000; i++) ints.add(i * 7 - 3_000_000);
        byte[] p = codec.dumps(ints);
        List<?> back = (List<?>) codec.loads(p);
        assertEquals(1_000_000, back.size());
        assertEquals(-3_000_000L, back.get(0));
        assertEquals(999_999L * 7 - 3_000_000, back.get(999_999));
        assertEquals(ints, back);
    }

    @Test
    void aMillionItemsInOneAppends() {
        // one MARK, a million NONEs, one APPENDS: a single batch as large as the list
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(new byte[] {(byte) 0x80, 2, ']', '('});
        byte[] nones = new byte[1_000_000];
        java.util.Arrays.fill(nones, (byte) 'N');
        b.writeBytes(nones);
        b.writeBytes(new byte[] {'e', '.'});
        List<?> back = (List<?>) codec.loads(b.toByteArray());
        assertEquals(1_000_000, back.size());
        assertNull(back.get(999_999));
    }

    @Test
    void aMillionSmallDictsKeepTheirOrder() {
        List<Object> dicts = new ArrayList<>();
        for (long i = 0; i < 100_000; i++) {
            java.util.Map<String, Object> d = new java.util.LinkedHashMap<>();
            d.put("id", i);
            d.put("name", "n" + i);
            dicts.add(d);
        }
        List<?> back = (List<?>) codec.loads(codec.dumps(dicts, 4));
        assertEquals(dicts, back);
        assertEquals(List.of("id", "name"), new ArrayList<>(((java.util.Map<?, ?>) back.get(123)).keySet()));
    }
}
