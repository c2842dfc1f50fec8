package io.picklebridge.pickle;

import static io.picklebridge.pickle.PythonValues.fill;
import static io.picklebridge.pickle.PythonValues.list;
import static io.picklebridge.pickle.PythonValues.map;
import static io.picklebridge.pickle.PythonValues.set;
import static io.picklebridge.pickle.PythonValues.tuple;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
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
import java.util.LinkedHashMap;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Java pickles values at protocols 2-5 and a real Python loads them ({@code check_loads.py}),
 * asserting equality, exact types and identity (shared parts stay shared, cycles survive,
 * equal-but-distinct objects are not merged). CPython 3.11 loads every protocol; Python 3.6
 * (protocols 2-4) shows that the pickles do not depend on newer loaders. One Python process
 * per interpreter serves all cases.
 */
class PythonEncodeLoadTest {
    private static final PickleCodec CODEC = PickleCodec.defaults();

    /** A Java record: encodes as a dict of its components. */
    record Labelled(int x, String label, List<String> tags) {}

    /** A Java enum: encodes as its name. */
    enum Shade { RED, GREEN }

    /** No reducer is registered for this. */
    static final class NotPicklable {}

    static final Map<String, Supplier<Object>> CASES = new LinkedHashMap<>();

    static {
        CASES.put("none", () -> null);
        CASES.put("bools", () -> list(true, false));
        CASES.put("ints", () -> list((byte) 1, (short) 2, 3, 4L, BigInteger.TWO.pow(100), new AtomicInteger(5),
                new AtomicLong(6), Long.MIN_VALUE, Long.MAX_VALUE, BigInteger.TWO.pow(64).negate(), BigInteger.ZERO,
                255, 256L, 65535, 65536L, (byte) -1, (short) -129));
        CASES.put("floats", () -> list(0.0, -0.0, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 1.5f,
                Double.MIN_VALUE, 0.1));
        CASES.put("complex", () -> list(new PyComplex(1, 2), new PyComplex(Double.NaN, -0.0)));
        CASES.put("strings", () -> list("", "ascii", "h\u00e9llo", "\uD83D\uDE00", "\ud800", "x\udfffy", 'c', "\u0000"));
        CASES.put("long_string", () -> "\u00e9".repeat(100_000));
        CASES.put("bytes", () -> {
            byte[] big = new byte[256 * 1000];
            for (int i = 0; i < big.length; i++) big[i] = (byte) i;
            return list(new byte[] {0, 1, (byte) 0xff}, new byte[0], big);
        });
        CASES.put("bytearray", () -> new PyByteArray(new byte[] {0, (byte) 0xfe}));
        CASES.put("bytes_vs_bytearray", () -> tuple("ab".getBytes(StandardCharsets.US_ASCII),
                new PyByteArray("ab".getBytes(StandardCharsets.US_ASCII))));
        CASES.put("tuples", () -> list(PyTuple.empty(), tuple(1L), tuple(1L, "a"), tuple(1L, 2L, 3L), tuple(1L, 2L, 3L, 4L, 5L)));
        CASES.put("lists", () -> list(List.of(1, 2), new LinkedList<>(List.of(3)), Arrays.asList("o", null),
                new int[] {1, 2}, new long[] {3, 4}, new double[] {0.5}, new boolean[] {true, false}, new Object[0],
                new Object[] {1, 2L, 3, 4L}));
        CASES.put("dict_order", () -> map("b", 1, "a", 2, tuple(1L, "t"), 3, null, 4, 5, "five"));
        CASES.put("set", () -> set(1L, "two", tuple(3L)));
        CASES.put("frozenset", () -> PyFrozenSet.of(1L, 2L));
        CASES.put("shared", () -> {
            List<Object> part = list(1L);
            return list(part, part);
        });
        CASES.put("equal_not_merged", () -> list(list(1L), list(1L)));
        CASES.put("cyclic_list", () -> {
            List<Object> items = list("head");
            items.add(items);
            return items;
        });
        CASES.put("cyclic_map", () -> {
            Map<Object, Object> table = map("name", "root");
            table.put("self", table);
            return table;
        });
        CASES.put("shared_tuple", () -> {
            PyTuple pair = tuple(1L, "p");
            return list(pair, pair);
        });
        CASES.put("deep", () -> {
            Object value = list();
            for (int i = 0; i < 500; i++) value = list(value);
            return value;
        });
        CASES.put("big_list", () -> LongStream.range(0, 100_000).boxed().collect(Collectors.toCollection(ArrayList::new)));
        CASES.put("big_dict", () -> {
            Map<Object, Object> table = new LinkedHashMap<>();
            for (int i = 0; i < 3000; i++) table.put(Integer.toString(i), i);
            return table;
        });
        CASES.put("date", () -> LocalDate.of(2024, 2, 29));
        CASES.put("time", () -> LocalTime.of(13, 14, 15, 123_456_000));
        CASES.put("time_offset", () -> OffsetTime.of(1, 2, 3, 4000, ZoneOffset.ofHoursMinutes(5, 30)));
        CASES.put("datetime", () -> LocalDateTime.of(2024, 1, 2, 3, 4, 5, 678_901_000));
        CASES.put("datetime_utc", () -> OffsetDateTime.of(2024, 1, 2, 3, 4, 5, 1000, ZoneOffset.UTC));
        CASES.put("datetime_offset", () -> OffsetDateTime.of(1999, 12, 31, 23, 59, 59, 999_999_000, ZoneOffset.ofHours(-7)));
        CASES.put("datetime_zoneinfo", () -> ZonedDateTime.of(2024, 7, 14, 12, 30, 0, 250_000_000, ZoneId.of("Europe/Paris")));
        CASES.put("instant", () -> Instant.parse("2024-01-02T03:04:05.000006Z"));
        CASES.put("timedelta", () -> list(Duration.ofSeconds(-86400 + 5, 7000), Duration.ofSeconds(3 * 86400 + 4 * 3600, 999_999_000),
                Duration.ZERO));
        CASES.put("decimal", () -> list(new BigDecimal("3.14159"), new BigDecimal("-0.000"), new BigDecimal("1E+1000")));
        CASES.put("uuid", () -> UUID.fromString("12345678-1234-5678-9abc-def012345678"));
        CASES.put("fraction", () -> list(PyFraction.of(3, 4), new PyFraction(BigInteger.TEN.pow(30).negate(), BigInteger.valueOf(7))));
        CASES.put("range", () -> list(new PyRange(0, 10, 3), new PyRange(10, -10, -2)));
        CASES.put("slice", () -> list(new PySlice(1L, null, 2L), new PySlice(null, 5L, null)));
        CASES.put("slice_of_containers", () -> new PySlice(list("a"), tuple("b"), PyFrozenSet.of(1L)));
        CASES.put("ordereddict", () -> fill(new PyOrderedDict(), "b", 1L, "a", 2L));
        CASES.put("defaultdict", () -> fill(new PyDefaultDict(new PyGlobal("builtins", "list")), "a", list(1L)));
        CASES.put("counter", () -> fill(new PyCounter(), "a", 5L, "b", 2L, "r", 2L));
        CASES.put("array_b", () -> PyArray.of('b', new byte[] {-128, 0, 127}));
        CASES.put("array_B", () -> PyArray.of('B', new byte[] {0, (byte) 255}));
        CASES.put("array_h", () -> PyArray.of('h', new short[] {Short.MIN_VALUE, Short.MAX_VALUE}));
        CASES.put("array_H", () -> PyArray.of('H', new short[] {0, (short) 65535}));
        CASES.put("array_i", () -> PyArray.of('i', new int[] {Integer.MIN_VALUE, Integer.MAX_VALUE}));
        CASES.put("array_I", () -> PyArray.of('I', new int[] {0, -1}));
        CASES.put("array_l", () -> PyArray.of('l', new long[] {Long.MIN_VALUE, Long.MAX_VALUE}));
        CASES.put("array_L", () -> PyArray.of('L', new long[] {0, -1}));
        CASES.put("array_q", () -> PyArray.of('q', new long[] {Long.MIN_VALUE, Long.MAX_VALUE}));
        CASES.put("array_Q", () -> PyArray.of('Q', new long[] {0, -1}));
        CASES.put("array_f", () -> PyArray.of('f', new float[] {1.5f, -0.0f}));
        CASES.put("array_d", () -> PyArray.of('d', new double[] {0.1, -0.0, Double.NaN}));
        CASES.put("array_u", () -> PyArray.of('u', new int[] {'h', 0xe9, 0x1F600}));
        CASES.put("record", () -> new Labelled(1, "a", List.of("t")));
        CASES.put("java_enum", () -> Shade.GREEN);
        CASES.put("optional", () -> list(Optional.of(1), Optional.empty()));
        CASES.put("stream", () -> Stream.of(1, 2, 3));
        CASES.put("pyobject_dataclass", () -> withState(user("Pt", PyObject.Construction.NEWOBJ), map("x", 1L, "y", list(2L))));
        CASES.put("pyobject_enum", () -> new PyObject(new PyGlobal("pbfixtures", "Color"), PyObject.Construction.REDUCE, tuple(1L), null));
        CASES.put("pyobject_namedtuple", () -> new PyObject(new PyGlobal("pbfixtures", "Point"), PyObject.Construction.NEWOBJ,
                tuple(1L, "two"), null));
        CASES.put("pyobject_plain", () -> withState(user("Plain", PyObject.Construction.NEWOBJ), map("a", 1L, "b", "two")));
        CASES.put("pyobject_slots", () -> withState(user("Slotted", PyObject.Construction.NEWOBJ), tuple(null, map("a", 1L, "b", "b"))));
        CASES.put("pyobject_bag", () -> {
            PyObject bag = withState(user("Bag", PyObject.Construction.NEWOBJ), map("label", "bag"));
            bag.listItems().addAll(List.of(1L, 2L));
            return bag;
        });
        CASES.put("pyglobal", () -> list(new PyGlobal("builtins", "len"), new PyGlobal("pbfixtures", "Plain")));
    }

    private static PyObject user(String className, PyObject.Construction construction) {
        return new PyObject(new PyGlobal("pbfixtures", className), construction, PyTuple.empty(), null);
    }

    private static PyObject withState(PyObject object, Object state) {
        object.setState(state);
        return object;
    }

    @TestFactory
    Stream<DynamicTest> python311LoadsWhatJavaWrites() {
        return loadAll(PythonProcess.PYTHON3, 5, List.of());
    }

    @TestFactory
    Stream<DynamicTest> python36LoadsWhatJavaWritesAtProtocols2To4() {
        return PythonProcess.pyenv("3.6.15")
                .map(python -> loadAll(python, 4, List.of("datetime_zoneinfo", "pyobject_dataclass")))
                .orElseGet(() -> Stream.of(DynamicTest.dynamicTest("python 3.6 not installed: nothing to check", () -> {})));
    }

    /**
     * Encodes every case at protocols 2..highest in Java and sends them all to one Python
     * process before asserting, so the interpreter starts once.
     */
    private static Stream<DynamicTest> loadAll(String interpreter, int highestProtocol, List<String> mayBeSkipped) {
        List<String> labels = new ArrayList<>();
        List<String> answers = new ArrayList<>();
        try (PythonProcess python = PythonProcess.start(interpreter, "check_loads.py")) {
            for (int protocol = 2; protocol <= highestProtocol; protocol++) {
                for (Map.Entry<String, Supplier<Object>> entry : CASES.entrySet()) {
                    labels.add(entry.getKey() + " @ protocol " + protocol);
                    byte[] pickle;
                    try {
                        pickle = CODEC.dumps(entry.getValue().get(), protocol);
                    } catch (RuntimeException e) {
                        answers.add("java dumps raised " + e);
                        continue;
                    }
                    python.sendText(entry.getKey());
                    python.send(pickle);
                    answers.add(null);
                }
            }
            for (int i = 0; i < answers.size(); i++) {
                if (answers.get(i) == null) answers.set(i, python.receiveText());
            }
        }
        return java.util.stream.IntStream.range(0, labels.size()).mapToObj(i -> DynamicTest.dynamicTest(labels.get(i), () -> {
            String answer = answers.get(i);
            String name = labels.get(i).split(" ")[0];
            if (answer.startsWith("skip") && mayBeSkipped.contains(name)) return;
            assertEquals("ok", answer, labels.get(i));
        }));
    }

    @Test
    void everyCheckerCaseIsSent() throws Exception {
        // check_loads.py's EXPECTED keys must equal CASES' keys, or a case would silently go unchecked.
        List<byte[]> frames = PythonProcess.runToCompletion(PythonProcess.PYTHON3, "list_cases.py", "check_loads");
        List<String> names = frames.stream().map(f -> new String(f, StandardCharsets.UTF_8)).toList();
        assertEquals(new ArrayList<>(CASES.keySet()), names);
    }

    @Test
    void unknownJavaClassIsRefusedNamingTheClass() {
        PickleException error = assertThrows(PickleException.class, () -> CODEC.dumps(list(1L, new NotPicklable())));
        assertTrue(error.getMessage().contains(NotPicklable.class.getName()), error.getMessage());
    }
}
