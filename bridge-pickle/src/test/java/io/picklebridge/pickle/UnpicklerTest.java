package io.picklebridge.pickle;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Opcode-level decoding of pickles CPython 3.11 made (bytes embedded as hex). */
class UnpicklerTest {
    private final PickleCodec codec = PickleCodec.defaults();

    static byte[] hex(String h) {
        return HexFormat.of().parseHex(h);
    }

    private Object load(String h) {
        return codec.loads(hex(h));
    }

    @Test
    void protocol0ListOfScalars() {
        // [1, 'a', 2.5, None, True, 2**70, -3] at protocol 0: INT, UNICODE, FLOAT, NONE, INT 01, LONG ...L
        Object v = load("286c70300a49310a6156610a70310a6146322e350a614e614930310a614c313138303539313632303731373431313330333432344c0a61492d330a612e");
        assertEquals(List.of(1L, "a", 2.5), ((List<?>) v).subList(0, 3));
        List<?> list = (List<?>) v;
        assertNull(list.get(3));
        assertEquals(Boolean.TRUE, list.get(4));
        assertEquals(BigInteger.TWO.pow(70), list.get(5));
        assertEquals(-3L, list.get(6));
    }

    @Test
    void protocol0DictWithTuple() {
        Object v = load("286470300a56610a70310a2849310a49320a7470320a732e");
        assertEquals(Map.of("a", PyTuple.of(1L, 2L)), v);
        assertInstanceOf(LinkedHashMap.class, v);
    }

    @Test
    void protocol0FloatsNanInfNegativeZero() {
        List<?> v = (List<?>) load("286c70300a466e616e0a6146696e660a61462d302e300a612e");
        assertTrue(Double.isNaN((Double) v.get(0)));
        assertEquals(Double.POSITIVE_INFINITY, v.get(1));
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits((Double) v.get(2)));
    }

    @Test
    void protocol1WithBytesViaCodecsEncode() {
        List<?> v = (List<?>) load("5d7100284b015801000000617101474004000000000000635f636f646563730a656e636f64650a710228580100000078710358060000006c6174696e317104747105527106652e");
        assertEquals(1L, v.get(0));
        assertEquals("a", v.get(1));
        assertEquals(2.5, v.get(2));
        assertArrayEquals(new byte[] {'x'}, (byte[]) v.get(3));
    }

    @Test
    void intsByValueNeverByOpcode() {
        // LONG1 holding a small value and BININT holding a small value both give Long
        assertEquals(5L, codec.loads(new byte[] {(byte) 0x80, 2, (byte) 0x8a, 1, 5, '.'}));
        assertEquals(-1L, codec.loads(new byte[] {(byte) 0x80, 2, 'J', -1, -1, -1, -1, '.'}));
        assertEquals(0L, codec.loads(new byte[] {(byte) 0x80, 2, (byte) 0x8a, 0, '.'}));
        assertEquals(Long.MIN_VALUE, codec.loads(codec.dumps(Long.MIN_VALUE)));
        assertEquals(BigInteger.ONE.shiftLeft(63), codec.loads(codec.dumps(BigInteger.ONE.shiftLeft(63))));
        assertEquals(Boolean.FALSE, codec.loads("I00\n.".getBytes()));
        assertEquals(7L, codec.loads("L7L\n.".getBytes()));
    }

    @Test
    void python2StringEscapesAndEncodings() {
        assertEquals("a\n'b", codec.loads("S'a\\n\\'b'\n.".getBytes()));
        byte[] latin = "S'\\xe9'\n.".getBytes();
        assertThrows(PickleException.class, () -> codec.loads(latin)); // ASCII by default, as CPython
        assertEquals("\u00e9", PickleCodec.builder().python2StringEncoding("latin1").build().loads(latin));
        assertArrayEquals(new byte[] {(byte) 0xe9},
                (byte[]) PickleCodec.builder().python2StringEncoding("bytes").build().loads(latin));
        assertEquals("\u20ac", PickleCodec.builder().python2StringEncoding("utf-8").build()
                .loads(new byte[] {'U', 3, (byte) 0xe2, (byte) 0x82, (byte) 0xac, '.'}));
        assertEquals("\u20ac\\x", codec.loads("V\\u20ac\\x\n.".getBytes()));
    }

    @Test
    void loneSurrogateSurvives() {
        String s = (String) load("8005950b000000000000008c07eda08078e282ac942e");
        assertEquals("\ud800x\u20ac", s);
        assertArrayEquals(hex("8c07eda08078e282ac"), java.util.Arrays.copyOfRange(codec.dumps(s, 4), 11, 20));
    }

    @Test
    void memoGetPutDupPop() {
        // (lp0\n I1\n a g0\n a .  -> a list containing itself
        List<?> cyclic = (List<?>) codec.loads("(lp0\nI1\nag0\na.".getBytes());
        assertSame(cyclic, cyclic.get(1));
        List<?> shared = (List<?>) load("8005950c000000000000005d94285d944b01616801652e");
        assertSame(shared.get(0), shared.get(1));
        assertEquals(List.of(1L, 1L), codec.loads(new byte[] {']', '(', 'K', 1, '2', 'e', '.'})); // DUP
        assertEquals(List.of(), codec.loads(new byte[] {']', 'K', 1, '0', '.'}));
        assertEquals(List.of(), codec.loads(new byte[] {']', '(', 'K', 1, 'K', 2, '1', '.'}));
        // POP of an empty mark pops the mark, as _pickle.c does
        assertEquals(7L, codec.loads(new byte[] {'K', 7, '(', '0', '.'}));
    }

    @Test
    void memoGetOfUnknownIndexFails() {
        PickleException e = assertThrows(PickleException.class, () -> codec.loads(new byte[] {'h', 3, '.'}));
        assertEquals(0, e.offset());
        assertEquals('h', e.opcode());
    }

    @Test
    void datetimeFamily() {
        assertEquals(OffsetDateTime.of(2020, 1, 2, 3, 4, 5, 6000, ZoneOffset.UTC),
                load("8002636461746574696d650a6461746574696d650a7100635f636f646563730a656e636f64650a710158"
                        + "0b00000007c3a40102030405000006710258060000006c6174696e317103867104527105636461746574696d65"
                        + "0a74696d657a6f6e650a7106636461746574696d650a74696d6564656c74610a71074b004b004b00877108527109"
                        + "85710a52710b86710c52710d2e"));
        ZonedDateTime later = (ZonedDateTime) load("80059582000000000000008c086461746574696d65948c086461746574696d65949394430a07e58b07011e00000000948c086275696c74696e73948c07676574617474729493948c087a6f6e65696e666f948c085a6f6e65496e666f9493948c095f756e7069636b6c6594869452948c10416d65726963612f4e65775f596f726b944b0186945294869452942e");
        assertEquals(ZoneId.of("America/New_York"), later.getZone());
        assertEquals(ZoneOffset.ofHours(-5), later.getOffset()); // fold=1: the second 01:30
        List<?> dates = (List<?>) load("800495ad000000000000005d94288c086461746574696d65948c0464617465949394430407e8021d948594529468018c0474696d6594939443060102030000049485945294680843060102030000049468018c0874696d657a6f6e6594939468018c0974696d6564656c74619493944affffffff4a300b01004b0087945294859452948694529468018c086461746574696d65949394430a07e40102030405000006948594529468104affffffff4b054b0787945294652e");
        assertEquals(LocalDate.of(2024, 2, 29), dates.get(0));
        assertEquals(LocalTime.of(1, 2, 3, 4000), dates.get(1));
        assertEquals(OffsetTime.of(1, 2, 3, 4000, ZoneOffset.ofHours(-5)), dates.get(2));
        assertEquals(LocalDateTime.of(2020, 1, 2, 3, 4, 5, 6000), dates.get(3));
        assertEquals(Duration.ofDays(-1).plusSeconds(5).plusNanos(7000), dates.get(4));
    }

    @Test
    void allowListedValueTypes() {
        List<?> v = (List<?>) load("80059538010000000000005d94288c07646563696d616c948c07446563696d616c9493948c04312e3235948594529468038c034e614e94859452948c096672616374696f6e73948c084672616374696f6e9493944afdffffff4b04869452948c086275696c74696e73948c0572616e67659493944b014b0a4b0387945294680f8c05736c6963659493944b014e4b0287945294680f8c07636f6d706c6578949394473ff000000000000047c00000000000000086945294284b0191948f94284b01909602000000000000006162948c0b636f6c6c656374696f6e73948c0b4f726465726564446963749493942952948c0161944b0173681f8c0b64656661756c7464696374949394680f8c046c6973749493948594529468235d944b016173681f8c07436f756e7465729493947d94288c0161944b028c0162944b017585945294652e");
        assertEquals(new BigDecimal("1.25"), v.get(0));
        PyObject nan = (PyObject) v.get(1); // Decimal('NaN') has no BigDecimal: kept as a recipe
        assertEquals(new PyGlobal("decimal", "Decimal"), nan.type());
        assertEquals(PyTuple.of("NaN"), nan.args());
        assertEquals(PyFraction.of(-3, 4), v.get(2));
        assertEquals(new PyRange(1, 10, 3), v.get(3));
        assertEquals(new PySlice(1L, null, 2L), v.get(4));
        assertEquals(new PyComplex(1, -2), v.get(5));
        assertEquals(PyFrozenSet.of(1L), v.get(6));
        assertEquals(new LinkedHashSet<>(List.of(1L)), v.get(7));
        assertEquals(new PyByteArray(new byte[] {'a', 'b'}), v.get(8));
        assertInstanceOf(PyOrderedDict.class, v.get(9));
        PyDefaultDict dd = (PyDefaultDict) v.get(10);
        assertEquals(new PyGlobal("builtins", "list"), dd.defaultFactory());
        assertEquals(List.of(1L), dd.get("a"));
        PyCounter counter = (PyCounter) v.get(11);
        assertEquals(2L, counter.get("a"));
    }

    @Test
    void uuidAndArrays() {
        assertEquals(new UUID(0, 5), load("80059520000000000000008c0475756964948c04555549449493942981947d948c03696e74944b0573622e"));
        PyArray q = (PyArray) load("80059552000000000000008c056172726179948c145f61727261795f7265636f6e7374727563746f72949394288c056172726179948c0561727261799493948c0171944b0c43100100000000000000feffffffffffffff94749452942e");
        assertEquals('q', q.typecode());
        assertArrayEquals(new long[] {1, -2}, (long[]) q.items());
        PyArray d = (PyArray) load("80026361727261790a61727261790a710058010000006471015d7102473ff8000000000000618671035271042e");
        assertArrayEquals(new double[] {1.5}, d.asDoubles());
    }

    @Test
    void userObjectsBecomeRecipes() {
        PyObject point = (PyObject) load("8005952e000000000000008c0c636f727075735f7479706573948c05506f696e749493942981947d94288c0178944b018c0179944b0275622e");
        assertEquals(new PyGlobal("corpus_types", "Point"), point.type());
        assertEquals(PyObject.Construction.NEWOBJ, point.construction());
        assertEquals(Map.of("x", 1L, "y", 2L), point.state());

        PyObject slotted = (PyObject) load("80059533000000000000008c0c636f727075735f7479706573948c07536c6f747465649493942981944e7d94288c0161944b038c0162944b04758694622e");
        assertEquals(PyTuple.of(null, Map.of("a", 3L, "b", 4L)), slotted.state());

        PyObject color = (PyObject) load("80059520000000000000008c0c636f727075735f7479706573948c05436f6c6f729493944b01859452942e");
        assertEquals(PyObject.Construction.REDUCE, color.construction());
        assertEquals(PyTuple.of(1L), color.args());

        PyObject kw = (PyObject) load("8005952b000000000000008c0c636f727075735f7479706573948c024b77949394297d948c0176944b077392947d9468044b0773622e");
        assertEquals(PyObject.Construction.NEWOBJ_EX, kw.construction());
        assertEquals(Map.of("v", 7L), kw.kwargs());

        PyObject myList = (PyObject) load("80059524000000000000008c0c636f727075735f7479706573948c064d794c697374949394298194284b014b02652e");
        assertEquals(List.of(1L, 2L), myList.listItems());
    }

    @Test
    void classicSystemCallIsRefusedButTheNameAloneIsJustAName() {
        PickleRefusedException refused = assertThrows(PickleRefusedException.class,
                () -> codec.loads("cos\nsystem\n(S'echo pwned'\ntR.".getBytes()));
        assertTrue(refused.getMessage().startsWith("refused to call os.system"), refused.getMessage());
        // naming a global without calling it stays an inert name
        assertEquals(new PyGlobal("os", "system"), codec.loads("cos\nsystem\n.".getBytes()));
    }

    @Test
    void python2NamesAreMapped() {
        assertEquals(new PyGlobal("builtins", "range"), codec.loads("c__builtin__\nxrange\n.".getBytes()));
        assertEquals(new PyGlobal("builtins", "ValueError"), codec.loads("cexceptions\nValueError\n.".getBytes()));
        assertEquals(new PyGlobal("copyreg", "_reconstructor"), codec.loads("ccopy_reg\n_reconstructor\n.".getBytes()));
        // protocol 3+ names are taken as written
        assertEquals(new PyGlobal("__builtin__", "xrange"),
                codec.loads(new byte[] {(byte) 0x80, 3, 'c', '_', '_', 'b', 'u', 'i', 'l', 't', 'i', 'n', '_', '_', '\n', 'x', 'r', 'a', 'n', 'g', 'e', '\n', '.'}));
    }

    @Test
    void copyregReconstructorOfObjectBase() {
        // Python 2 protocol 0 pickle of a new-style instance: copy_reg._reconstructor(C, object, None) + BUILD
        Object v = codec.loads(("ccopy_reg\n_reconstructor\np0\n(c__main__\nNew\np1\nc__builtin__\nobject\np2\nNtp3\n"
                + "Rp4\n(dp5\nS'v'\np6\nI2\nsb.").getBytes());
        PyObject o = assertInstanceOf(PyObject.class, v);
        assertEquals(new PyGlobal("__main__", "New"), o.type());
        assertEquals(PyObject.Construction.NEWOBJ, o.construction());
        assertEquals(Map.of("v", 2L), o.state());
    }

    @Test
    void extAndPersistentIdsAreRefusedWithoutResolvers() {
        assertThrows(PickleRefusedException.class, () -> codec.loads(new byte[] {(byte) 0x80, 2, (byte) 0x82, 1, '.'}));
        assertThrows(PickleRefusedException.class, () -> codec.loads("Pabc\n.".getBytes()));
        PickleCodec resolving = PickleCodec.builder().extensionResolver(code -> new PyGlobal("m", "n" + code))
                .persistentLoader(id -> "loaded:" + id).build();
        assertEquals(new PyGlobal("m", "n1"), resolving.loads(new byte[] {(byte) 0x80, 2, (byte) 0x82, 1, '.'}));
        assertEquals("loaded:abc", resolving.loads("Pabc\n.".getBytes()));
    }

    @Test
    void unsupportedProtocolAndUnknownOpcode() {
        assertThrows(PickleException.class, () -> codec.loads(new byte[] {(byte) 0x80, 6, 'N', '.'}));
        PickleException e = assertThrows(PickleException.class, () -> codec.loads(new byte[] {'N', (byte) 0xff, '.'}));
        assertEquals(1, e.offset());
        assertEquals(0xff, e.opcode());
    }

    @Test
    void bytesAfterStopAreAnError() {
        assertThrows(PickleException.class, () -> codec.loads(new byte[] {'N', '.', 'N'}));
    }

    @Test
    void frameRules() {
        byte[] p = codec.dumps(List.of(1L, 2L), 4); // FRAME n ... STOP
        assertEquals(List.of(1L, 2L), codec.loads(p));
        // a FRAME declaring more than is left is truncation
        byte[] lying = p.clone();
        lying[3] = 100;
        assertThrows(PickleTruncatedException.class, () -> codec.loads(lying));
        // a new FRAME before the current one ends is an error
        byte[] nested = hex("8004950b000000000000009501000000000000004e2e");
        assertThrows(PickleException.class, () -> codec.loads(nested));
    }

    @Test
    void heapDirectAndSlicedBuffersDecodeInPlace() {
        byte[] p = codec.dumps(Map.of("k", List.of("v\u20ac", 1.5, 3L)));
        ByteBuffer heap = ByteBuffer.wrap(p);
        assertEquals(Map.of("k", List.of("v\u20ac", 1.5, 3L)), codec.loads(heap));
        assertEquals(0, heap.position());
        ByteBuffer direct = ByteBuffer.allocateDirect(p.length + 10);
        direct.position(5);
        direct.put(p);
        direct.flip().position(5);
        assertEquals(Map.of("k", List.of("v\u20ac", 1.5, 3L)), codec.loads(direct));
        assertEquals(5, direct.position());
        byte[] padded = new byte[p.length + 7];
        System.arraycopy(p, 0, padded, 3, p.length);
        assertEquals(Map.of("k", List.of("v\u20ac", 1.5, 3L)), codec.loads(padded, 3, p.length));
    }

    @Test
    void streamReadsPicklesBackToBack() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(codec.dumps(List.of(1L, "a"), 5));
        out.write(codec.dumps("second", 2));
        out.write("(lI7\na.".getBytes());
        out.write(codec.dumps(new byte[200_000], 5));
        out.write('!');
        ByteArrayInputStream in = new ByteArrayInputStream(out.toByteArray());
        assertEquals(List.of(1L, "a"), codec.load(in));
        assertEquals("second", codec.load(in));
        assertEquals(List.of(7L), codec.load(in));
        assertEquals(200_000, ((byte[]) codec.load(in)).length);
        assertEquals('!', in.read()); // left right after the last STOP
        assertThrows(PickleTruncatedException.class, () -> codec.load(new ByteArrayInputStream(new byte[] {(byte) 0x80, 4, ']'})));
    }

    @Test
    void outOfBandBuffers() {
        List<ByteBuffer> buffers = new ArrayList<>();
        byte[] payload = {1, 2, 3};
        byte[] p = codec.dumps(List.of(payload, new PyByteArray(new byte[] {9})), 5, b -> buffers.add(b));
        assertEquals(2, buffers.size());
        List<?> back = (List<?>) codec.loads(ByteBuffer.wrap(p), buffers);
        assertArrayEquals(payload, (byte[]) back.get(0)); // NEXT_BUFFER + READONLY_BUFFER: bytes
        assertEquals(new PyByteArray(new byte[] {9}), back.get(1)); // NEXT_BUFFER alone: bytearray
        assertThrows(PickleException.class, () -> codec.loads(p));
    }

    @Test
    void customConstructorWithState() {
        record Point(long x, long y) {}
        PickleCodec custom = PickleCodec.builder().constructor("corpus_types", "Point", new ObjectConstructor() {
            @Override
            public Object construct(PyTuple args, Map<String, Object> kwargs) {
                return new Point(0, 0);
            }

            @Override
            public Object setState(Object constructed, Object state) {
                Map<?, ?> m = (Map<?, ?>) state;
                return new Point((Long) m.get("x"), (Long) m.get("y"));
            }
        }).build();
        byte[] p = hex("8005952e000000000000008c0c636f727075735f7479706573948c05506f696e749493942981947d94288c0178944b018c0179944b0275622e");
        assertEquals(new Point(1, 2), custom.loads(p));
        assertInstanceOf(PyObject.class, codec.loads(p)); // other codecs are unaffected
    }
}
