package io.picklebridge.pickle;

import static io.picklebridge.pickle.PythonValues.assertSameValue;
import static io.picklebridge.pickle.PythonValues.fill;
import static io.picklebridge.pickle.PythonValues.list;
import static io.picklebridge.pickle.PythonValues.map;
import static io.picklebridge.pickle.PythonValues.set;
import static io.picklebridge.pickle.PythonValues.tuple;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
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
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Real CPython 3.11 ({@code corpus.py}) and Python 2.7 ({@code corpus_py2.py}) pickle a corpus
 * of values at every protocol they have; this test decodes each pickle and asserts the Java
 * value, its types and its identities (shared parts, cycles) against the codec's type table.
 * Each pickle is decoded from a byte[], a direct ByteBuffer and, back to back with all the
 * others, from one InputStream.
 */
class PythonCorpusDecodeTest {
    private static final PickleCodec CODEC = PickleCodec.defaults();
    private static List<PythonCorpus.Entry> corpus;

    @BeforeAll
    static void pickleCorpus() {
        corpus = PythonCorpus.read(PythonProcess.PYTHON3, "corpus.py");
    }

    @Test
    void everyCaseHasAnExpectationAndEveryExpectationACase() {
        Set<String> pickled = corpus.stream().map(PythonCorpus.Entry::name).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(new TreeSet<>(EXPECTED.keySet()), pickled);
        assertEquals(6 * pickled.size(), corpus.size(), "every case at protocols 0-5");
    }

    @Test
    void onlySlotsWithoutGetstateAreUnpicklableBelowProtocol2() {
        List<String> skipped = corpus.stream().filter(PythonCorpus.Entry::skipped).map(Object::toString).toList();
        assertEquals(List.of("slots @ protocol 0", "slots @ protocol 1"), skipped);
    }

    @TestFactory
    Stream<DynamicTest> decodesEveryCaseFromBytes() {
        return corpus.stream().filter(e -> !e.skipped()).map(entry -> DynamicTest.dynamicTest(entry.toString(),
                () -> expect(entry, CODEC.loads(entry.pickle()))));
    }

    @TestFactory
    Stream<DynamicTest> decodesEveryCaseFromADirectBufferSlice() {
        return corpus.stream().filter(e -> !e.skipped()).map(entry -> DynamicTest.dynamicTest(entry.toString(), () -> {
            ByteBuffer direct = ByteBuffer.allocateDirect(entry.pickle().length + 7);
            direct.put(new byte[3]).put(entry.pickle()).put(new byte[4]).position(3).limit(3 + entry.pickle().length);
            expect(entry, CODEC.loads(direct));
            assertEquals(3, direct.position(), "position left unchanged");
        }));
    }

    @Test
    void decodesTheWholeCorpusBackToBackFromOneStream() throws Exception {
        List<PythonCorpus.Entry> entries = corpus.stream().filter(e -> !e.skipped()).toList();
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (PythonCorpus.Entry entry : entries) all.write(entry.pickle());
        InputStream in = new ByteArrayInputStream(all.toByteArray());
        for (PythonCorpus.Entry entry : entries) expect(entry, CODEC.load(in));
        assertEquals(-1, in.read(), "the stream is read exactly to the last STOP");
    }

    @Test
    void offsetAndLengthSliceOfALargerArray() {
        for (PythonCorpus.Entry entry : corpus) {
            if (entry.skipped()) continue;
            byte[] padded = new byte[entry.pickle().length + 10];
            System.arraycopy(entry.pickle(), 0, padded, 5, entry.pickle().length);
            padded[4] = '.';
            padded[5 + entry.pickle().length] = '(';
            expect(entry, CODEC.loads(padded, 5, entry.pickle().length));
        }
    }

    // ------------------------------------------------------------------ Python 2.7

    @TestFactory
    Stream<DynamicTest> python27PicklesDecodeWithEachStringEncoding() {
        Optional<String> python2 = PythonProcess.pyenv("2.7.18");
        assumeTrue(python2.isPresent(), "Python 2.7.18 not installed under /root/.pyenv");
        List<PythonCorpus.Entry> entries = PythonCorpus.read(python2.get(), "corpus_py2.py");
        assertEquals(11 * 3, entries.size());
        PickleCodec ascii = CODEC;
        PickleCodec latin1 = PickleCodec.builder().python2StringEncoding("latin1").build();
        PickleCodec bytes = PickleCodec.builder().python2StringEncoding("bytes").build();
        PickleCodec utf8 = PickleCodec.builder().python2StringEncoding("utf-8").build();
        return entries.stream().map(entry -> DynamicTest.dynamicTest(entry.toString(), () -> {
            byte[] p = entry.pickle();
            switch (entry.name()) {
                case "py2_str" -> {
                    assertSameValue("abc", ascii.loads(p));
                    assertSameValue("abc", latin1.loads(p));
                    assertSameValue("abc".getBytes(StandardCharsets.US_ASCII), bytes.loads(p));
                }
                case "py2_str_latin1" -> {
                    assertThrows(PickleException.class, () -> ascii.loads(p), "0xe9 is not ASCII, as in CPython");
                    assertThrows(PickleException.class, () -> utf8.loads(p), "a lone 0xe9 is not UTF-8, as in CPython");
                    assertSameValue("h\u00e9", latin1.loads(p));
                    assertSameValue(new byte[] {'h', (byte) 0xe9}, bytes.loads(p));
                }
                case "py2_unicode" -> {
                    for (PickleCodec codec : List.of(ascii, latin1, bytes)) {
                        assertSameValue("h\u00e9\u65e5\uD83D\uDE00", codec.loads(p));
                    }
                }
                case "py2_int" -> assertSameValue(list(0L, 1L, -1L, 255L, 65536L, 2147483647L, -2147483648L), ascii.loads(p));
                case "py2_long" -> assertSameValue(list(10L, Long.MAX_VALUE, BigInteger.TWO.pow(70),
                        BigInteger.TWO.pow(70).negate()), ascii.loads(p));
                case "py2_floats" -> assertSameValue(list(1.5, -0.0, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY,
                        Double.NaN), ascii.loads(p));
                case "py2_bools" -> assertSameValue(list(true, false, null), ascii.loads(p));
                case "py2_containers" -> {
                    Object value = ascii.loads(p);
                    assertInstanceOf(LinkedHashMap.class, value);
                    // Python 2 dicts iterate in hash order; compare without order.
                    assertEquals(new HashMap<>(map("list", list(1L, 2L), "tuple", tuple(1L, "u"), "set", set(3L),
                            "frozen", PyFrozenSet.of(4L))), new HashMap<>((Map<?, ?>) value));
                    assertInstanceOf(PyFrozenSet.class, ((Map<?, ?>) value).get("frozen"));
                }
                case "py2_datetime" -> {
                    assertSameValue(LocalDateTime.of(2020, 1, 2, 3, 4, 5, 6000), latin1.loads(p));
                    assertSameValue(LocalDateTime.of(2020, 1, 2, 3, 4, 5, 6000), bytes.loads(p));
                }
                case "py2_date" -> {
                    assertSameValue(LocalDate.of(1999, 12, 31), latin1.loads(p));
                    assertSameValue(LocalDate.of(1999, 12, 31), bytes.loads(p));
                }
                case "py2_object" -> {
                    PyObject thing = assertInstanceOf(PyObject.class, ascii.loads(p));
                    assertEquals("Thing", className(thing));
                    assertSameValue(map("a", 1L, "b", "two"), thing.state());
                }
                default -> throw new AssertionError("no expectation for " + entry.name());
            }
        }));
    }

    // ------------------------------------------------------------------ expectations

    private static void expect(PythonCorpus.Entry entry, Object value) {
        Consumer<Decoded> expectation = EXPECTED.get(entry.name());
        if (expectation == null) throw new AssertionError("no expectation for " + entry.name());
        expectation.accept(new Decoded(value, entry.protocol()));
    }

    /** A decoded value and the protocol its pickle was written at. */
    record Decoded(Object value, int protocol) {}

    private static final Map<String, Consumer<Decoded>> EXPECTED = new LinkedHashMap<>();

    private static void value(String name, Object expected) {
        EXPECTED.put(name, d -> assertSameValue(expected, d.value()));
    }

    private static void check(String name, Consumer<Decoded> check) {
        EXPECTED.put(name, check);
    }

    static {
        value("none", null);
        value("true", true);
        value("false", false);
        value("ints", list(0L, 1L, -1L, 127L, 128L, 255L, 256L, -256L, 65535L, 65536L, 2147483647L, -2147483648L,
                2147483648L, 4294967296L, Long.MAX_VALUE, Long.MIN_VALUE));
        BigInteger two = BigInteger.TWO;
        value("bigints", list(two.pow(63), two.pow(63).negate().subtract(BigInteger.ONE), two.pow(64),
                BigInteger.TEN.pow(40), BigInteger.TEN.pow(40).negate(), two.pow(1000)));
        value("floats", list(0.0, -0.0, 1.5, -2.25, 1e308, 5e-324, 0.1, Double.POSITIVE_INFINITY,
                Double.NEGATIVE_INFINITY, Double.NaN));
        value("complex", list(new PyComplex(1, 2), new PyComplex(Double.NaN, -0.0), new PyComplex(-0.0, -1.5)));
        value("strings", list("", "ascii", "h\u00e9llo", "\u65e5\u672c", "\uD83D\uDE00", "back\\slash\nnew line",
                "\ud800", "a\udfffb", "\u0000nul"));
        byte[] all = new byte[256];
        for (int i = 0; i < 256; i++) all[i] = (byte) i;
        value("bytes", list(new byte[0], new byte[] {0, (byte) 0xff}, all));
        value("bytearray", new PyByteArray("\u0000mutable\u00ff".getBytes(StandardCharsets.ISO_8859_1)));
        value("bytes_vs_bytearray", tuple(new byte[] {'a', 'b'}, new PyByteArray(new byte[] {'a', 'b'})));
        value("tuples", list(PyTuple.empty(), tuple(1L), tuple(1L, 2L), tuple(1L, 2L, 3L), tuple(1L, 2L, 3L, 4L)));
        value("list", list(1L, "a", null, 2.0));
        check("dict_order", d -> {
            assertSameValue(map("b", 1L, "a", 2L, 3L, "c", tuple(1L, 2L), "t", null, 0L), d.value());
            assertEquals(List.of("b", "a", 3L, tuple(1L, 2L)), new ArrayList<>(((Map<?, ?>) d.value()).keySet()).subList(0, 4));
        });
        value("set", set(1L, 2L, 3L));
        value("frozenset", PyFrozenSet.of("x", "y"));
        value("empties", tuple(list(), map(), set(), PyFrozenSet.of(), PyTuple.empty(), "", new byte[0]));
        value("nested", map("a", list(1L, tuple(2L, list(3L, map("x", PyFrozenSet.of(tuple(1L, 2L))))))));
        value("tuple_key", map(tuple(1L, "a"), list(1L), PyFrozenSet.of(1L), "f"));
        check("shared_list", d -> {
            assertSameValue(list(list(1L, "x"), list(1L, "x"), list(1L, "x")), d.value());
            List<?> v = (List<?>) d.value();
            assertSame(v.get(0), v.get(1), "a shared list stays shared");
            assertNotSame(v.get(0), v.get(2), "equal but distinct lists stay distinct");
        });
        check("cyclic_list", d -> {
            List<?> v = assertInstanceOf(ArrayList.class, d.value());
            assertEquals(2, v.size());
            assertEquals(1L, v.get(0));
            assertSame(v, v.get(1), "the list contains itself");
        });
        check("cyclic_dict", d -> {
            Map<?, ?> v = assertInstanceOf(LinkedHashMap.class, d.value());
            assertEquals(List.of("name", "self"), new ArrayList<>(v.keySet()));
            assertEquals("root", v.get("name"));
            assertSame(v, v.get("self"), "the dict contains itself");
        });
        check("cycle_through_tuple", d -> {
            PyTuple pair = assertInstanceOf(PyTuple.class, d.value());
            assertEquals(2, pair.size());
            assertEquals(1L, pair.get(0));
            List<?> holder = assertInstanceOf(ArrayList.class, pair.get(1));
            assertEquals(1, holder.size());
            assertSame(pair, holder.get(0), "the tuple is reached again through the list");
        });
        check("shared_tuple", d -> {
            assertSameValue(map("a", tuple(1L, 2.5, "p"), "b", tuple(1L, 2.5, "p")), d.value());
            Map<?, ?> v = (Map<?, ?>) d.value();
            assertSame(v.get("a"), v.get("b"));
        });
        value("long_list", LongStream.range(0, 2500).boxed().collect(Collectors.toCollection(ArrayList::new)));
        value("date", LocalDate.of(2024, 2, 29));
        value("time", LocalTime.of(13, 14, 15, 123_456_000));
        value("time_offset", OffsetTime.of(1, 2, 3, 4000, ZoneOffset.ofHoursMinutes(5, 30)));
        value("datetime", LocalDateTime.of(2024, 1, 2, 3, 4, 5, 678_901_000));
        value("datetime_utc", OffsetDateTime.of(2024, 1, 2, 3, 4, 5, 1000, ZoneOffset.UTC));
        value("datetime_offset", OffsetDateTime.of(1999, 12, 31, 23, 59, 59, 999_999_000, ZoneOffset.ofHours(-7)));
        value("datetime_zoneinfo", ZonedDateTime.of(2024, 7, 14, 12, 30, 0, 250_000_000, ZoneId.of("Europe/Paris")));
        value("datetime_zoneinfo_winter", ZonedDateTime.of(2024, 1, 5, 8, 0, 0, 7000, ZoneId.of("America/New_York")));
        value("timedelta", list(Duration.ofSeconds(-86400 + 5, 7000), Duration.ofSeconds(3 * 86400 + 4 * 3600, 999_999_000),
                Duration.ZERO));
        // BigDecimal has no negative zero: Decimal('-0.000') stays a generic value so it round-trips.
        value("decimal", list(new BigDecimal("3.14159"),
                new PyObject(new PyGlobal("decimal", "Decimal"), PyObject.Construction.REDUCE, tuple("-0.000"), null),
                new BigDecimal("1E+1000"), new BigDecimal("12345678901234567890.0987654321")));
        value("uuid", UUID.fromString("12345678-1234-5678-9abc-def012345678"));
        value("fraction", list(PyFraction.of(3, 4), new PyFraction(BigInteger.TEN.pow(30).negate(), BigInteger.valueOf(7))));
        value("range", list(new PyRange(0, 10, 3), new PyRange(0, 5, 1), new PyRange(10, -10, -2)));
        value("slice", list(new PySlice(1L, null, 2L), new PySlice(null, 5L, null), new PySlice("a", tuple(1L), 3.0)));
        value("ordereddict", fill(new PyOrderedDict(), "b", 1L, "a", 2L));
        value("defaultdict", fill(new PyDefaultDict(new PyGlobal("builtins", "list")), "a", list(1L), "b", list()));
        value("defaultdict_none", fill(new PyDefaultDict(null), "k", 1L));
        value("counter", fill(new PyCounter(), "a", 5L, "b", 2L, "r", 2L, "c", 1L, "d", 1L));
        check("enum", d -> {
            List<?> v = assertInstanceOf(ArrayList.class, d.value());
            PyObject red = assertInstanceOf(PyObject.class, v.get(0));
            PyObject blue = assertInstanceOf(PyObject.class, v.get(1));
            assertEquals(new PyGlobal("pbfixtures", "Color"), red.type());
            assertEquals(PyObject.Construction.REDUCE, red.construction());
            assertEquals(tuple(1L), red.args());
            assertEquals(tuple("blue"), blue.args());
            assertSame(red, v.get(2), "the same member pickled twice is memoized once");
        });
        check("namedtuple", d -> {
            PyObject point = assertInstanceOf(PyObject.class, d.value());
            assertEquals("Point", className(point));
            if (d.protocol() >= 2) {
                assertEquals(new PyGlobal("pbfixtures", "Point"), point.type());
                assertEquals(PyObject.Construction.NEWOBJ, point.construction());
                assertEquals(tuple(1L, "two"), point.args());
            }
        });
        check("dataclass", d -> userObject(d, "Pt", map("x", 1L, "y", list(2L, "three"))));
        check("plain_object", d -> userObject(d, "Plain", map("a", 1L, "b", "two")));
        check("slots", d -> userObject(d, "Slotted", tuple(null, map("a", 1L, "b", "b"))));
        check("list_subclass", d -> {
            PyObject bag = userObject(d, "Bag", map("label", "bag"));
            assertSameValue(list(1L, 2L, 3L), new ArrayList<>(bag.listItems()));
        });
        check("dict_subclass", d -> {
            PyObject registry = assertInstanceOf(PyObject.class, d.value());
            assertEquals("Registry", className(registry));
            assertSameValue(map("a", 1L, "b", list(2L)), new LinkedHashMap<>(registry.dictItems()));
        });
        value("global_value", list(new PyGlobal("builtins", "len"), new PyGlobal("pbfixtures", "Plain"),
                new PyGlobal("builtins", "int")));
        value("array_b", PyArray.of('b', new byte[] {-128, 0, 127}));
        value("array_B", PyArray.of('B', new byte[] {0, (byte) 255}));
        value("array_u", PyArray.of('u', new int[] {'h', 0xe9, 0x1F600}));
        value("array_h", PyArray.of('h', new short[] {Short.MIN_VALUE, Short.MAX_VALUE}));
        value("array_H", PyArray.of('H', new short[] {0, (short) 65535}));
        value("array_i", PyArray.of('i', new int[] {Integer.MIN_VALUE, Integer.MAX_VALUE}));
        value("array_I", PyArray.of('I', new int[] {0, -1}));
        value("array_l", PyArray.of('l', new long[] {Long.MIN_VALUE, Long.MAX_VALUE}));
        value("array_L", PyArray.of('L', new long[] {0, -1}));
        value("array_q", PyArray.of('q', new long[] {Long.MIN_VALUE, Long.MAX_VALUE}));
        value("array_Q", PyArray.of('Q', new long[] {0, -1}));
        value("array_f", PyArray.of('f', new float[] {1.5f, -0.0f, Float.POSITIVE_INFINITY}));
        value("array_d", PyArray.of('d', new double[] {0.1, -0.0, Double.NaN}));
    }

    /** A user-class instance: its class name and BUILD state, whatever protocol built it. */
    private static PyObject userObject(Decoded d, String className, Object state) {
        PyObject object = assertInstanceOf(PyObject.class, d.value());
        assertEquals(className, className(object));
        assertTrue(object.hasState(), "BUILD applied");
        assertSameValue(state, object.state());
        if (d.protocol() >= 2) {
            assertEquals(PyObject.Construction.NEWOBJ, object.construction());
            assertEquals("pbfixtures", object.type().module());
        }
        return object;
    }

    /**
     * The class a PyObject instantiates: its type, or for protocols 0-1 (where Python writes
     * {@code copyreg._reconstructor(cls, base, state)}) the class passed as first argument.
     */
    static String className(PyObject object) {
        if (object.type().qualname().equals("_reconstructor") && !object.args().isEmpty()
                && object.args().get(0) instanceof PyGlobal cls) {
            return cls.qualname();
        }
        return object.type().qualname();
    }

    @Test
    void decodedDefaultdictFactoryIsAGlobalNotALoadedClass() {
        PythonCorpus.Entry entry = corpus.stream().filter(e -> e.name().equals("defaultdict") && e.protocol() == 5)
                .findFirst().orElseThrow();
        PyDefaultDict value = assertInstanceOf(PyDefaultDict.class, CODEC.loads(entry.pickle()));
        assertEquals(new PyGlobal("builtins", "list"), value.defaultFactory());
        assertNull(value.get("missing"), "a Java map does not call the factory");
    }
}
