package io.picklebridge.pickle;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every failure path of issue 2 item 5: one exception family, offsets and opcodes, no OOM/SOE/hang. */
class HostileInputTest {
    private final PickleCodec codec = PickleCodec.defaults();

    private static List<byte[]> validPickles() {
        PickleCodec c = PickleCodec.defaults();
        Object value = List.of(Map.of("k", PyTuple.of(1L, -70000L, 2.5, "\u20ac")), new byte[] {1, 2},
                PyFrozenSet.of("x"), java.util.Set.of(3L), java.math.BigInteger.TWO.pow(80), true,
                java.time.LocalDateTime.of(2020, 1, 2, 3, 4), new PyByteArray(new byte[] {7}));
        List<byte[]> out = new ArrayList<>();
        for (int p = 2; p <= 5; p++) out.add(c.dumps(value, p));
        out.add("(lp0\nI1\naS'x'\np1\naF2.5\naL12345678901234567890L\na(dp2\nV\\u20ac\np3\ng0\nsa.".getBytes());
        out.add(UnpicklerTest.hex("8005952e000000000000008c0c636f727075735f7479706573948c05506f696e749493942981947d94288c0178944b018c0179944b0275622e"));
        return out;
    }

    @Test
    void truncationAtEveryPositionIsACleanTruncatedError() {
        int checked = 0;
        for (byte[] p : validPickles()) {
            codec.loads(p); // the whole pickle is fine
            for (int n = 0; n < p.length; n++) {
                byte[] cut = Arrays.copyOf(p, n);
                PickleException e = assertThrows(PickleException.class, () -> codec.loads(cut), "cut at " + n);
                assertTrue(e.offset() >= 0 && e.offset() <= n, "offset " + e.offset() + " for cut at " + n);
                PickleException s = assertThrows(PickleException.class, () -> codec.load(new ByteArrayInputStream(cut)));
                assertInstanceOf(PickleTruncatedException.class, s, "stream cut at " + n + ": " + s.getMessage());
                ByteBuffer direct = ByteBuffer.allocateDirect(Math.max(1, n));
                direct.put(cut).flip();
                assertThrows(PickleException.class, () -> codec.loads(direct));
                checked++;
            }
        }
        assertTrue(checked > 500);
    }

    @Test
    void aFewBytesDeclaringTwoGigabytesAllocateNothing() {
        // BINUNICODE / BINBYTES / BINBYTES8 / BYTEARRAY8 / LONG4 / FRAME declaring huge lengths
        byte[][] liars = {
            {(byte) 0x80, 4, 'X', (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f, 'a'},
            {(byte) 0x80, 4, 'B', (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff},
            {(byte) 0x80, 4, (byte) 0x8e, 0, 0, 0, (byte) 0x80, 0, 0, 0, 0},
            {(byte) 0x80, 5, (byte) 0x96, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0x7f},
            {(byte) 0x80, 2, (byte) 0x8b, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f},
            {(byte) 0x80, 4, (byte) 0x95, 0, 0, 0, (byte) 0x80, 0, 0, 0, 0, 'N', '.'},
            {'T', (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f},
        };
        for (byte[] liar : liars) {
            PickleException e = assertThrows(PickleException.class, () -> codec.loads(liar));
            assertEquals(2 <= liar.length && (liar[0] & 0xff) == 0x80 ? 2 : 0, e.offset(), e.getMessage());
            assertThrows(PickleException.class, () -> codec.load(new ByteArrayInputStream(liar)));
        }
    }

    @Test
    void frozensetOfNestedListsFailsFast() {
        // frozenset([L40, L40]) where L(i) = [L(i-1), L(i-1)], shared through the memo: 2^40 paths
        // for anything that hashed it deeply (razorvine hangs here)
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(new byte[] {(byte) 0x80, 4, ']', 'q', 0});
        for (int i = 1; i <= 40; i++) {
            b.writeBytes(new byte[] {'(', 'h', (byte) (i - 1), 'h', (byte) (i - 1), 'l', 'q', (byte) i, '0'});
        }
        b.writeBytes(new byte[] {'(', 'h', 40, 'h', 40, (byte) 0x91, '.'});
        PickleRefusedException e = assertThrows(PickleRefusedException.class, () -> codec.loads(b.toByteArray()));
        assertTrue(e.getMessage().contains("unhashable type: 'list'"), e.getMessage());
        // same through REDUCE(frozenset, ([[...]],)) and as dict keys / set members
        assertThrows(PickleRefusedException.class, () -> codec.loads("c__builtin__\nfrozenset\n(]]]aatR.".getBytes()));
        assertThrows(PickleRefusedException.class, () -> codec.loads(new byte[] {'}', ']', 'K', 1, 's', '.'}));
        assertThrows(PickleRefusedException.class, () -> codec.loads(new byte[] {(byte) 0x80, 4, (byte) 0x8f, '(', '}', (byte) 0x90, '.'}));
        assertThrows(PickleRefusedException.class, () -> codec.loads(new byte[] {'(', ']', 'K', 1, 0x86 - 256, 'K', 1, 'd', '.'}));
    }

    @Test
    void aMillionNestedListsDecodeToALimitError() {
        int n = 1_000_000;
        byte[] p = new byte[2 * n + 3];
        p[0] = (byte) 0x80;
        p[1] = 2;
        Arrays.fill(p, 2, 2 + n, (byte) ']');
        Arrays.fill(p, 2 + n, 2 + 2 * n - 1, (byte) 'a');
        p[2 * n + 1] = 'a';
        p[2 * n + 2] = '.';
        PickleLimitException e = assertThrows(PickleLimitException.class, () -> codec.loads(p));
        assertEquals('a', e.opcode());
        // and via MARK/LIST nesting
        byte[] marks = new byte[2 * n + 1];
        Arrays.fill(marks, 0, n, (byte) '(');
        Arrays.fill(marks, n, 2 * n, (byte) 'l');
        marks[2 * n] = '.';
        assertThrows(PickleLimitException.class, () -> codec.loads(marks));
        // deep tuples (TUPLE1 chains) too
        byte[] tuples = new byte[2 * n + 2];
        tuples[0] = 'N';
        Arrays.fill(tuples, 1, n + 1, (byte) 0x85);
        tuples[n + 1] = '.';
        assertThrows(PickleLimitException.class, () -> codec.loads(Arrays.copyOf(tuples, n + 2)));
    }

    @Test
    void aMillionNestedListsEncodeToALimitError() {
        List<Object> root = new ArrayList<>();
        List<Object> cur = root;
        for (int i = 0; i < 1_000_000; i++) {
            List<Object> next = new ArrayList<>();
            cur.add(next);
            cur = next;
        }
        assertThrows(PickleLimitException.class, () -> codec.dumps(root));
        PickleCodec deep = PickleCodec.builder().limits(PickleLimits.defaults().withMaxDepth(2_000_000)).build();
        byte[] p = deep.dumps(root); // no StackOverflowError with a raised limit either
        assertEquals(2 * 1_000_000 + 100, p.length, 2_000_000 * 3);
        assertThrows(PickleLimitException.class, () -> codec.loads(p));
    }

    @Test
    void osSystemRunsNothing() {
        PickleRefusedException refused = assertThrows(PickleRefusedException.class,
                () -> codec.loads("cos\nsystem\n(S'echo pwned'\ntR.".getBytes()));
        assertEquals('R', refused.opcode());
        assertEquals(27, refused.offset());
        // calling the result of a call is refused cleanly too
        PickleRefusedException e = assertThrows(PickleRefusedException.class,
                () -> codec.loads("cgeometry\nPoint\n(S'x'\ntR(tR.".getBytes()));
        assertEquals('R', e.opcode());
    }

    @Test
    void limitsAreConfigurable() {
        PickleCodec small = PickleCodec.builder().limits(PickleLimits.defaults().withMaxInputBytes(10)
                .withMaxContainerLength(3).withMaxMemoSize(2).withMaxBigIntDigits(20).withMaxDepth(3)).build();
        assertThrows(PickleLimitException.class, () -> small.loads(codec.dumps("a long string here")));
        PickleCodec items = PickleCodec.builder().limits(PickleLimits.defaults().withMaxContainerLength(3)).build();
        assertThrows(PickleLimitException.class, () -> items.loads(codec.dumps(List.of(1L, 2L, 3L, 4L))));
        assertEquals(List.of(1L, 2L, 3L), items.loads(codec.dumps(List.of(1L, 2L, 3L))));
        PickleCodec memo = PickleCodec.builder().limits(PickleLimits.defaults().withMaxMemoSize(2)).build();
        assertThrows(PickleLimitException.class, () -> memo.loads(codec.dumps(List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>()))));
        PickleCodec digits = PickleCodec.builder().limits(PickleLimits.defaults().withMaxBigIntDigits(20)).build();
        assertThrows(PickleLimitException.class, () -> digits.loads(codec.dumps(java.math.BigInteger.TEN.pow(100))));
        assertThrows(PickleLimitException.class, () -> digits.loads(("L" + "9".repeat(100) + "L\n.").getBytes()));
        PickleCodec depth = PickleCodec.builder().limits(PickleLimits.defaults().withMaxDepth(3)).build();
        assertEquals(List.of(List.of(List.of())), depth.loads(codec.dumps(List.of(List.of(List.of())))));
        assertThrows(PickleLimitException.class, () -> depth.loads(codec.dumps(List.of(List.of(List.of(List.of()))))));
        assertThrows(PickleLimitException.class, () -> depth.dumps(List.of(List.of(List.of(List.of())))));
        // a sparse memo index does not allocate a giant array
        assertEquals(1L, codec.loads(new byte[] {'K', 1, 'r', (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f, '.'}));
    }

    @Test
    void malformedStructuresGiveOnlyPickleExceptions() {
        String[] bad = {
            "8002" + "4b01" + "4b02" + "73" + "2e",             // SETITEM on an int
            "8002" + "4b01" + "61" + "2e",                       // APPEND with nothing under it
            "8002" + "4b01" + "29" + "52" + "2e",               // REDUCE calling an int
            "8002" + "4b01" + "4b02" + "81" + "2e",             // NEWOBJ with non-tuple args
            "8002" + "28" + "4b01" + "75" + "2e",               // SETITEMS odd count, no dict
            "8002" + "4b01" + "62" + "2e",                       // BUILD with one item
            "8002" + "2e",                                       // STOP on empty stack
            "8004" + "4b01" + "4b02" + "93" + "2e",             // STACK_GLOBAL of ints
            "8002" + "28" + "31" + "31" + "2e",                 // POP_MARK without a mark
            "8002" + "4b01" + "68" + "00" + "2e",               // BINGET of nothing
            "49" + "78780a" + "2e",                             // INT 'xx'
            "46" + "312e2e310a" + "2e",                         // FLOAT '1..1'
            "53" + "616263" + "0a2e",                           // STRING without quotes
            "8005" + "97" + "2e",                               // NEXT_BUFFER without buffers
            "8004" + "8c" + "02" + "c328" + "2e",               // invalid UTF-8
            "8002" + "63" + "64617465" + "74696d650a" + "64617465" + "0a" + "43" + "04" + "07e40d01" + "85" + "52" + "2e", // month 13
        };
        for (String h : bad) {
            byte[] p = HexFormat.of().parseHex(h);
            assertThrows(PickleException.class, () -> codec.loads(p), h);
        }
    }

    @Test
    void encodingRefusesWhatPythonCannotLoad() {
        assertThrows(PickleRefusedException.class, () -> codec.dumps(new Object()));
        assertThrows(PickleRefusedException.class, () -> codec.dumps(java.util.Set.of(List.of(1L))));
        Map<Object, Object> listKey = new java.util.HashMap<>();
        listKey.put(new ArrayList<>(List.of(1L)), 1L);
        assertThrows(PickleRefusedException.class, () -> codec.dumps(listKey));
        assertThrows(IllegalArgumentException.class, () -> codec.dumps(1L, 1));
    }
}
