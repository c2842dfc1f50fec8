package io.picklebridge.pickle;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The Pickler: identity, cycles, batching, frames, protocol forms, and the Java side of the type table. */
class PicklerTest {
    private final PickleCodec codec = PickleCodec.defaults();

    private static int count(byte[] p, int opcode) {
        int n = 0;
        for (byte b : p) if ((b & 0xff) == opcode) n++;
        return n;
    }

    @Test
    void bytesForSimpleValuesAreCPythonsMinusShortStringMemos() {
        // python3: pickle.dumps([1, 'a', 2.5], 5) is 80059516...5d94284b018c016194474004...652e; CPython also
        // MEMOIZEs the short string 'a' (the 94 after it), which this Pickler skips for strings under 64 chars
        assertEquals("80059513000000000000005d94284b018c0161474004000000000000652e",
                HexFormat.of().formatHex(codec.dumps(List.of(1L, "a", 2.5))));
        // python3: pickle.dumps(b'\x00\xff', 3) is 8003430200ff71002e (plus a BINPUT this Pickler skips)
        assertEquals("8003430200ff2e", HexFormat.of().formatHex(codec.dumps(new byte[] {0, -1}, 3)));
    }

    @Test
    void bytesAtProtocol2UseCodecsEncodeAsCPython() {
        byte[] p = codec.dumps(new byte[] {0, -1}, 2);
        String h = HexFormat.of().formatHex(p);
        assertTrue(h.startsWith("8002635f636f646563730a656e636f64650a"), h); // GLOBAL '_codecs encode'
        assertArrayEquals(new byte[] {0, -1}, (byte[]) codec.loads(p));
        assertArrayEquals(new byte[0], (byte[]) codec.loads(codec.dumps(new byte[0], 2)));
    }

    @Test
    void sharedObjectsStaySharedAndEqualOnesStayDistinct() {
        List<Object> shared = new ArrayList<>(List.of(1L));
        List<Object> equal = new ArrayList<>(List.of(1L));
        for (int proto = 2; proto <= 5; proto++) {
            List<?> back = (List<?>) codec.loads(codec.dumps(List.of(shared, shared, equal), proto));
            assertSame(back.get(0), back.get(1));
            assertNotSame(back.get(0), back.get(2));
            assertEquals(back.get(0), back.get(2));
        }
    }

    @Test
    void cyclesSurvive() {
        List<Object> list = new ArrayList<>();
        list.add(list);
        Map<Object, Object> map = new LinkedHashMap<>();
        map.put("self", map);
        PyObject obj = new PyObject(new PyGlobal("m", "C"), PyObject.Construction.NEWOBJ, PyTuple.empty(), null);
        Map<Object, Object> state = new LinkedHashMap<>();
        state.put("me", obj);
        obj.setState(state);
        List<Object> holder = new ArrayList<>();
        PyTuple tuple = PyTuple.of(holder);
        holder.add(tuple); // a tuple reached again through a list inside it
        for (int proto = 2; proto <= 5; proto++) {
            List<?> l = (List<?>) codec.loads(codec.dumps(list, proto));
            assertSame(l, l.get(0));
            Map<?, ?> m = (Map<?, ?>) codec.loads(codec.dumps(map, proto));
            assertSame(m, m.get("self"));
            PyObject o = (PyObject) codec.loads(codec.dumps(obj, proto));
            assertSame(o, ((Map<?, ?>) o.state()).get("me"));
            PyTuple t = (PyTuple) codec.loads(codec.dumps(tuple, proto));
            assertSame(t, ((List<?>) t.get(0)).get(0));
        }
    }

    @Test
    void appendsAndSetitemsAreBatchedByAThousand() {
        List<Object> nones = new ArrayList<>();
        Map<Long, Long> map = new LinkedHashMap<>();
        for (long i = 0; i < 2001; i++) {
            nones.add(null);
            map.put(i, i);
        }
        byte[] p = codec.dumps(nones, 2);
        assertEquals(2, count(p, 'e')); // APPENDS x2, then a batch of one: APPEND
        assertEquals(1, count(p, 'a'));
        assertEquals(2, count(p, '('));
        assertEquals(nones, codec.loads(p));
        byte[] m = codec.dumps(map, 2);
        assertEquals(map, codec.loads(m));
    }

    @Test
    void framesOf64KiBFromProtocol4() {
        List<String> strings = new ArrayList<>();
        for (int i = 0; i < 30_000; i++) strings.add("s" + i);
        byte[] p = codec.dumps(strings, 4);
        assertEquals(0x95, p[2] & 0xff);
        long first = java.nio.ByteBuffer.wrap(p, 3, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        assertTrue(first >= 64 * 1024 && first < 64 * 1024 + 1024, "frame " + first);
        assertEquals(strings, codec.loads(p));
        assertEquals(strings, codec.load(new ByteArrayInputStream(p)));
        assertFalse(codec.dumps(strings, 3)[2] == (byte) 0x95);
        // a big payload is written between frames, as CPython writes it
        byte[] big = new byte[200_000];
        big[199_999] = 7;
        List<?> back = (List<?>) codec.loads(codec.dumps(List.of("a", big, "b"), 5));
        assertArrayEquals(big, (byte[]) back.get(1));
        assertEquals("b", back.get(2));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        codec.dump(List.of("a", big, "b"), 5, out);
        assertArrayEquals(codec.dumps(List.of("a", big, "b"), 5), out.toByteArray());
    }

    @Test
    void typeTableRoundTripsAtEveryProtocol() {
        List<Object> values = new ArrayList<>(Arrays.asList(null, true, false, 0L, -1L, 255L, 65536L, Long.MAX_VALUE,
                Long.MIN_VALUE, BigInteger.TEN.pow(40).negate(), 1.5, Double.NaN, Double.NEGATIVE_INFINITY, -0.0, "",
                "\u00e9\u20ac\ud83d\ude00\udc00", "x".repeat(70_000), PyTuple.empty(), PyTuple.of(1L, PyTuple.of("a")),
                new ArrayList<>(List.of(1L)), new LinkedHashMap<>(Map.of("k", 1L)), new LinkedHashSet<>(List.of(1L, "b")),
                PyFrozenSet.of(1L, PyTuple.of(2L)), new PyByteArray(new byte[] {1}), new PyComplex(1, -0.5),
                new PyRange(0, 10, 3), new PySlice(1L, null, -1L),
                new PySlice(new ArrayList<>(List.of(1L)), PyFrozenSet.of(2L), new LinkedHashMap<>(Map.of("k", 3L))), PyFraction.of(3, -9), new BigDecimal("-1.250E+7"),
                new BigDecimal("0.000001"), UUID.fromString("12345678-1234-5678-1234-567812345678"),
                LocalDate.of(1, 1, 1), LocalTime.of(23, 59, 59, 999_999_000), OffsetTime.of(1, 2, 3, 0, ZoneOffset.ofHoursMinutes(5, 30)),
                LocalDateTime.of(9999, 12, 31, 0, 0), OffsetDateTime.of(2020, 1, 1, 0, 0, 0, 1000, ZoneOffset.UTC),
                ZonedDateTime.ofLocal(LocalDateTime.of(2021, 11, 7, 1, 30), ZoneId.of("America/New_York"), ZoneOffset.ofHours(-5)),
                ZonedDateTime.ofLocal(LocalDateTime.of(2021, 11, 7, 1, 30), ZoneId.of("America/New_York"), ZoneOffset.ofHours(-4)),
                Duration.ofSeconds(-1, 5000), new PyGlobal("builtins", "list"), new PyGlobal("a.b", "C.D"),
                PyArray.ofLongs('q', new long[] {1, -2}), PyArray.ofDoubles(new double[] {0.5}), PyArray.of('B', new byte[] {-1}),
                PyArray.of('u', new int[] {'h', 0x1F600}), PyArray.of('f', new float[] {1.25f}), PyArray.of('H', new short[] {-1})));
        PyOrderedDict od = new PyOrderedDict();
        od.put("z", 1L);
        od.put("a", 2L);
        PyDefaultDict dd = new PyDefaultDict(new PyGlobal("builtins", "list"));
        dd.put("k", new ArrayList<>(List.of(1L)));
        PyCounter counter = new PyCounter();
        counter.put("x", 3L);
        values.addAll(List.of(od, dd, counter, new PyDefaultDict(null)));
        PyObject slots = new PyObject(new PyGlobal("m", "Slotted"), PyObject.Construction.NEWOBJ, PyTuple.empty(), null);
        slots.setState(PyTuple.of(null, new LinkedHashMap<>(Map.of("a", 1L))));
        PyObject sub = new PyObject(new PyGlobal("m", "MyList"), PyObject.Construction.NEWOBJ, PyTuple.empty(), null);
        sub.listItems().add(1L);
        sub.dictItems().put("k", "v");
        PyObject kw = new PyObject(new PyGlobal("m", "Kw"), PyObject.Construction.NEWOBJ_EX, PyTuple.of(1L), Map.of("v", 7L));
        values.addAll(List.of(slots, sub, kw));
        for (int proto = 2; proto <= 5; proto++) {
            for (Object v : values) {
                Object back = codec.loads(codec.dumps(v, proto));
                String where = "protocol " + proto + ": " + v;
                if (v instanceof Double d && d.isNaN()) {
                    assertTrue(((Double) back).isNaN(), where);
                } else if (v instanceof Double d) {
                    assertEquals(Double.doubleToRawLongBits(d), Double.doubleToRawLongBits((Double) back), where);
                } else if (v instanceof ZonedDateTime z) {
                    assertEquals(z, back, where); // zone and offset (fold) both kept
                } else {
                    assertEquals(v, back, where);
                    if (v != null) assertEquals(v.getClass(), back.getClass(), where);
                }
            }
        }
    }

    record Person(String name, int age, Optional<String> nick) {}

    enum Colour { RED }

    @Test
    void javaOnlyTypesFollowTheTable() {
        assertEquals(Map.of("name", "Ann", "age", 40L, "nick", "a"), codec.loads(codec.dumps(new Person("Ann", 40, Optional.of("a")))));
        assertEquals("RED", codec.loads(codec.dumps(Colour.RED)));
        assertNull(codec.loads(codec.dumps(Optional.empty())));
        assertEquals(List.of(1L, 2L), codec.loads(codec.dumps(Stream.of(1, 2))));
        assertEquals(List.of(1L, 2L), codec.loads(codec.dumps(new long[] {1, 2})));
        assertEquals(List.of(1.0, 2.5), codec.loads(codec.dumps(new double[] {1, 2.5})));
        assertEquals(List.of("a", 1L), codec.loads(codec.dumps(new Object[] {"a", 1})));
        assertEquals(List.of("x"), codec.loads(codec.dumps(new char[] {'x'})));
        assertEquals(5L, codec.loads(codec.dumps(new AtomicLong(5))));
        assertEquals(7L, codec.loads(codec.dumps((short) 7)));
        assertEquals(0.5, codec.loads(codec.dumps(0.5f)));
        assertEquals("c", codec.loads(codec.dumps('c')));
        assertEquals(OffsetDateTime.of(1970, 1, 1, 0, 0, 1, 0, ZoneOffset.UTC), codec.loads(codec.dumps(Instant.ofEpochSecond(1))));
        PickleRefusedException e = assertThrows(PickleRefusedException.class, () -> codec.dumps(new StringBuilder("x")));
        assertTrue(e.getMessage().contains("java.lang.StringBuilder"), e.getMessage());
    }

    @Test
    void reducersArePerCodec() {
        PickleCodec custom = PickleCodec.builder()
                .reducer(StringBuilder.class, sb -> new PyObject(new PyGlobal("io", "StringIO"),
                        PyObject.Construction.REDUCE, PyTuple.of(sb.toString()), null))
                .build();
        PyObject back = (PyObject) custom.loads(custom.dumps(new StringBuilder("hi")));
        assertEquals(PyTuple.of("hi"), back.args());
        assertThrows(PickleRefusedException.class, () -> codec.dumps(new StringBuilder("hi")));
    }

    @Test
    void protocol2WritesPython2Names() {
        String p = new String(codec.dumps(new LinkedHashSet<>(List.of(1L)), 2), java.nio.charset.StandardCharsets.ISO_8859_1);
        assertTrue(p.contains("c__builtin__\nset\n"), p);
        String r = new String(codec.dumps(new PyRange(0, 3, 1), 2), java.nio.charset.StandardCharsets.ISO_8859_1);
        assertTrue(r.contains("c__builtin__\nxrange\n"), r);
        String nested = new String(codec.dumps(new PyGlobal("zoneinfo", "ZoneInfo._unpickle"), 3), java.nio.charset.StandardCharsets.ISO_8859_1);
        assertTrue(nested.contains("cbuiltins\ngetattr\n") && nested.contains("czoneinfo\nZoneInfo\n"), nested);
    }

    @Test
    void globalsAreMemoizedByName() {
        List<Object> dates = new ArrayList<>();
        for (int i = 0; i < 10; i++) dates.add(LocalDate.of(2020, 1, 1 + i));
        byte[] p = codec.dumps(dates);
        assertEquals(1, count(p, 0x93)); // one STACK_GLOBAL, then BINGETs
        assertEquals(dates, codec.loads(p));
    }
}
