package io.picklebridge.pickle;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
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
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The allow-list: the Python globals whose calls the Unpickler turns into Java values (set,
 * frozenset, bytearray, complex, range, slice, datetime.*, Decimal, UUID, Fraction,
 * OrderedDict, defaultdict, Counter, array, ZoneInfo...). Each entry only reads its arguments;
 * nothing is loaded or run. A call it does not know, or whose arguments do not fit the Java
 * type (Decimal('NaN'), a range of huge ints, a tz it cannot map), returns {@link #UNKNOWN}
 * and becomes a {@link PyObject} that round-trips.
 */
final class KnownGlobals {
    static final Object UNKNOWN = new Object();

    private KnownGlobals() {}

    static Object construct(PyGlobal g, PyObject.Construction form, PyTuple args, Map<String, Object> kwargs) {
        if (kwargs != null && !kwargs.isEmpty()) return UNKNOWN;
        String name = g.qualname();
        return switch (g.module()) {
            case "builtins" -> builtins(name, args);
            case "_codecs" -> name.equals("encode") ? codecsEncode(args) : UNKNOWN;
            case "copyreg" -> name.equals("_reconstructor") ? reconstructor(args) : UNKNOWN;
            case "datetime" -> datetime(name, args);
            case "decimal" -> name.equals("Decimal") && form == PyObject.Construction.REDUCE ? decimal(args) : UNKNOWN;
            case "fractions" -> name.equals("Fraction") ? fraction(args) : UNKNOWN;
            case "collections" -> collections(name, args);
            case "array" -> array(name, args);
            case "zoneinfo" -> name.equals("ZoneInfo._unpickle") ? zoneInfo(args) : UNKNOWN;
            default -> UNKNOWN;
        };
    }

    /** BUILD on a generic object that is really an allow-listed type (uuid.UUID); null if not. */
    static Object build(PyObject object, Object state) {
        PyGlobal t = object.type();
        if (t.module().equals("uuid") && t.qualname().equals("UUID") && object.args().isEmpty()
                && state instanceof Map<?, ?> m && m.get("int") instanceof Number n) {
            BigInteger v = n instanceof BigInteger b ? b : BigInteger.valueOf(n.longValue());
            if (v.signum() < 0 || v.bitLength() > 128) return null;
            return new UUID(v.shiftRight(64).longValue(), v.longValue());
        }
        return null;
    }

    // ------------------------------------------------------------------ builtins

    private static Object builtins(String name, PyTuple args) {
        int n = args.size();
        switch (name) {
            case "set" -> {
                LinkedHashSet<Object> set = new LinkedHashSet<>();
                if (n == 1) addAllHashable(set, items(args.get(0)));
                else if (n != 0) return UNKNOWN;
                return set;
            }
            case "frozenset" -> {
                LinkedHashSet<Object> set = new LinkedHashSet<>();
                if (n == 1) addAllHashable(set, items(args.get(0)));
                else if (n != 0) return UNKNOWN;
                return PyFrozenSet.wrap(set);
            }
            case "list" -> {
                if (n == 0) return new ArrayList<>();
                return n == 1 ? new ArrayList<>(items(args.get(0))) : UNKNOWN;
            }
            case "tuple" -> {
                if (n == 0) return PyTuple.empty();
                return n == 1 ? PyTuple.copyOf(items(args.get(0))) : UNKNOWN;
            }
            case "dict" -> {
                if (n == 0) return new LinkedHashMap<>();
                if (n == 1 && args.get(0) instanceof Map<?, ?> m) {
                    LinkedHashMap<Object, Object> copy = new LinkedHashMap<>();
                    for (Map.Entry<?, ?> e : m.entrySet()) copy.put(e.getKey(), e.getValue());
                    return copy;
                }
                return UNKNOWN;
            }
            case "bytearray" -> {
                Object bytes = n == 0 ? new byte[0] : bytesOf(args);
                return bytes instanceof byte[] b ? new PyByteArray(b) : UNKNOWN;
            }
            case "bytes" -> {
                return n == 0 ? new byte[0] : bytesOf(args);
            }
            case "complex" -> {
                if (n == 0) return new PyComplex(0, 0);
                if (n <= 2 && args.get(0) instanceof Number re && (n == 1 || args.get(1) instanceof Number)) {
                    double im = n == 2 ? ((Number) args.get(1)).doubleValue() : 0;
                    return new PyComplex(re.doubleValue(), im);
                }
                return UNKNOWN;
            }
            case "range" -> {
                for (Object a : args) if (!(a instanceof Long)) return UNKNOWN;
                try {
                    if (n == 1) return new PyRange(0, (Long) args.get(0), 1);
                    if (n == 2) return new PyRange((Long) args.get(0), (Long) args.get(1), 1);
                    if (n == 3) return new PyRange((Long) args.get(0), (Long) args.get(1), (Long) args.get(2));
                } catch (IllegalArgumentException e) {
                    return UNKNOWN;
                }
                return UNKNOWN;
            }
            case "slice" -> {
                if (n == 1) return new PySlice(null, args.get(0), null);
                if (n == 2) return new PySlice(args.get(0), args.get(1), null);
                if (n == 3) return new PySlice(args.get(0), args.get(1), args.get(2));
                return UNKNOWN;
            }
            case "getattr" -> {
                // getattr(SomeClass, 'name') is how pickle names nested things (ZoneInfo._unpickle, Enum members)
                if (n == 2 && args.get(0) instanceof PyGlobal owner && args.get(1) instanceof String attr) {
                    return new PyGlobal(owner.module(), owner.qualname() + "." + attr);
                }
                return UNKNOWN;
            }
            default -> {
                return UNKNOWN;
            }
        }
    }

    private static Collection<?> items(Object iterable) {
        if (iterable instanceof Collection<?> c) return c;
        if (iterable instanceof Map<?, ?> m) return m.keySet();
        throw new PickleException("expected an iterable of items, got " + Unpickler.typeName(iterable));
    }

    private static void addAllHashable(LinkedHashSet<Object> set, Collection<?> items) {
        for (Object item : items) {
            Hashability.require(item);
            set.add(item);
        }
    }

    /** bytes(...) / bytearray(...) arguments: (bytes), (str, encoding), (list of ints). */
    private static Object bytesOf(PyTuple args) {
        Object a = args.get(0);
        if (args.size() == 1 && a instanceof byte[] b) return b.clone();
        if (args.size() == 1 && a instanceof PyByteArray b) return b.bytes().clone();
        if (args.size() == 2 && a instanceof String s && args.get(1) instanceof String enc) return encode(s, enc);
        if (args.size() == 1 && a instanceof List<?> list) {
            byte[] out = new byte[list.size()];
            for (int i = 0; i < out.length; i++) {
                if (!(list.get(i) instanceof Long v) || v < 0 || v > 255) throw new PickleException("bytes must be in range(0, 256)");
                out[i] = (byte) (long) v;
            }
            return out;
        }
        return UNKNOWN;
    }

    private static Object codecsEncode(PyTuple args) {
        if (args.isEmpty() || !(args.get(0) instanceof String s)) return UNKNOWN;
        String enc = args.size() > 1 && args.get(1) instanceof String e ? e : "utf-8";
        return encode(s, enc);
    }

    private static Object encode(String s, String encoding) {
        switch (encoding.toLowerCase(java.util.Locale.ROOT).replace('_', '-')) {
            case "latin1", "latin-1", "iso-8859-1", "iso8859-1", "l1" -> {
                byte[] out = new byte[s.length()];
                for (int i = 0; i < out.length; i++) {
                    char c = s.charAt(i);
                    if (c > 0xff) throw new PickleException("'latin-1' codec can't encode character U+" + Integer.toHexString(c));
                    out[i] = (byte) c;
                }
                return out;
            }
            case "ascii" -> {
                for (int i = 0; i < s.length(); i++) {
                    if (s.charAt(i) > 0x7f) throw new PickleException("'ascii' codec can't encode character");
                }
                return s.getBytes(StandardCharsets.US_ASCII);
            }
            case "utf-8", "utf8" -> {
                byte[] out = new byte[Utf8.encodedLength(s)];
                Utf8.encode(s, out, 0);
                return out;
            }
            default -> {
                return UNKNOWN;
            }
        }
    }

    /** copyreg._reconstructor(cls, base, state): how protocols 0 and 1 build new-style objects. */
    private static Object reconstructor(PyTuple args) {
        if (args.size() != 3 || !(args.get(0) instanceof PyGlobal cls) || !(args.get(1) instanceof PyGlobal base)) {
            return UNKNOWN;
        }
        Object state = args.get(2);
        boolean builtinBase = base.module().equals("builtins");
        if (builtinBase && base.qualname().equals("object")) {
            return new PyObject(cls, PyObject.Construction.NEWOBJ, PyTuple.empty(), null);
        }
        if (builtinBase && base.qualname().equals("list") && state instanceof List<?> items) {
            PyObject o = new PyObject(cls, PyObject.Construction.NEWOBJ, PyTuple.empty(), null);
            o.listItems().addAll(items);
            return o;
        }
        if (builtinBase && base.qualname().equals("dict") && state instanceof Map<?, ?> items) {
            PyObject o = new PyObject(cls, PyObject.Construction.NEWOBJ, PyTuple.empty(), null);
            for (Map.Entry<?, ?> e : items.entrySet()) o.dictItems().put(e.getKey(), e.getValue());
            return o;
        }
        // int, str, tuple... subclasses (a protocol 0 namedtuple): base.__new__(cls, state) has no
        // NEWOBJ spelling, so the object keeps its copyreg._reconstructor recipe and round-trips as is
        return UNKNOWN;
    }

    // ------------------------------------------------------------------ datetime

    private static Object datetime(String name, PyTuple args) {
        int n = args.size();
        try {
            switch (name) {
                case "date" -> {
                    if (n == 1) {
                        byte[] b = stateBytes(args.get(0), 4);
                        if (b == null) return UNKNOWN;
                        return LocalDate.of(u(b, 0) << 8 | u(b, 1), u(b, 2), u(b, 3));
                    }
                    if (n == 3 && allLongs(args)) return LocalDate.of(i(args, 0), i(args, 1), i(args, 2));
                    return UNKNOWN;
                }
                case "time" -> {
                    if (n < 1 || n > 2) return UNKNOWN;
                    byte[] b = stateBytes(args.get(0), 6);
                    if (b == null || (u(b, 0) & 0x80) != 0) return UNKNOWN; // fold=1 has no java.time form
                    LocalTime t = LocalTime.of(u(b, 0), u(b, 1), u(b, 2), (u(b, 3) << 16 | u(b, 4) << 8 | u(b, 5)) * 1000);
                    Object tz = n == 2 ? args.get(1) : null;
                    if (tz == null) return t;
                    if (tz instanceof ZoneOffset offset) return OffsetTime.of(t, offset);
                    return UNKNOWN;
                }
                case "datetime" -> {
                    if (n < 1 || n > 2) return UNKNOWN;
                    byte[] b = stateBytes(args.get(0), 10);
                    if (b == null) return UNKNOWN;
                    boolean fold = (u(b, 2) & 0x80) != 0;
                    LocalDateTime t = LocalDateTime.of(u(b, 0) << 8 | u(b, 1), u(b, 2) & 0x7f, u(b, 3), u(b, 4), u(b, 5),
                            u(b, 6), (u(b, 7) << 16 | u(b, 8) << 8 | u(b, 9)) * 1000);
                    Object tz = n == 2 ? args.get(1) : null;
                    if (tz == null) return fold ? UNKNOWN : t;
                    if (tz instanceof ZoneOffset offset) return fold ? UNKNOWN : OffsetDateTime.of(t, offset);
                    if (tz instanceof ZoneId zone) {
                        ZonedDateTime z = ZonedDateTime.ofLocal(t, zone, null);
                        if (!z.toLocalDateTime().equals(t)) return UNKNOWN; // a wall time in a gap: keep Python's form
                        return fold ? z.withLaterOffsetAtOverlap() : z.withEarlierOffsetAtOverlap();
                    }
                    return UNKNOWN;
                }
                case "timedelta" -> {
                    if (n == 3 && allLongs(args)) {
                        return Duration.ofDays((Long) args.get(0)).plusSeconds((Long) args.get(1))
                                .plusNanos((Long) args.get(2) * 1000);
                    }
                    return UNKNOWN;
                }
                case "timezone" -> {
                    if ((n == 1 || n == 2) && args.get(0) instanceof Duration d) {
                        if (d.getNano() != 0 || Math.abs(d.getSeconds()) > 18 * 3600) return UNKNOWN;
                        if (n == 2 && !(args.get(1) instanceof String)) return UNKNOWN;
                        return ZoneOffset.ofTotalSeconds((int) d.getSeconds());
                    }
                    return UNKNOWN;
                }
                default -> {
                    return UNKNOWN;
                }
            }
        } catch (DateTimeException e) {
            throw new PickleException("bad " + name + " state: " + e.getMessage());
        }
    }

    private static byte[] stateBytes(Object state, int length) {
        byte[] b;
        if (state instanceof byte[] bytes) b = bytes;
        else if (state instanceof String s) b = (byte[]) encode(s, "latin1"); // Python 2 str read as latin1
        else return null;
        return b.length == length ? b : null;
    }

    private static int u(byte[] b, int i) {
        return b[i] & 0xff;
    }

    private static boolean allLongs(PyTuple args) {
        for (Object a : args) if (!(a instanceof Long)) return false;
        return true;
    }

    private static int i(PyTuple args, int index) {
        return Math.toIntExact((Long) args.get(index));
    }

    private static Object zoneInfo(PyTuple args) {
        if (args.isEmpty() || !(args.get(0) instanceof String key)) return UNKNOWN;
        try {
            ZoneId zone = ZoneId.of(key);
            return zone instanceof ZoneOffset ? UNKNOWN : zone;
        } catch (DateTimeException e) {
            return UNKNOWN;
        }
    }

    // ------------------------------------------------------------------ numbers

    private static Object decimal(PyTuple args) {
        if (args.size() != 1 || !(args.get(0) instanceof String s)) return UNKNOWN;
        String t = s.trim();
        if (t.isEmpty() || t.length() > 10_000) return UNKNOWN;
        char last = Character.toLowerCase(t.charAt(t.length() - 1));
        if (last == 'n' || last == 'y') return UNKNOWN; // NaN, sNaN, Infinity: no BigDecimal for them
        try {
            BigDecimal d = new BigDecimal(t.replace("_", ""));
            if (d.signum() == 0 && t.startsWith("-")) return UNKNOWN; // -0 keeps its sign in Python only
            if (!d.toString().equals(t)) return UNKNOWN; // only forms that write back the same text
            return d;
        } catch (NumberFormatException e) {
            return UNKNOWN;
        }
    }

    private static Object fraction(PyTuple args) {
        if (args.size() == 2 && args.get(0) instanceof Number a && args.get(1) instanceof Number b
                && !(a instanceof Double) && !(b instanceof Double)) {
            BigInteger den = big(b);
            if (den.signum() == 0) return UNKNOWN;
            return new PyFraction(big(a), den);
        }
        if (args.size() == 1 && args.get(0) instanceof String s) {
            if (s.length() > 10_000) return UNKNOWN; // parsing huge digit strings is quadratic: keep the recipe
            try {
                int slash = s.indexOf('/');
                if (slash < 0) return new PyFraction(new BigInteger(s.trim()), BigInteger.ONE);
                BigInteger den = new BigInteger(s.substring(slash + 1).trim());
                if (den.signum() == 0) return UNKNOWN;
                return new PyFraction(new BigInteger(s.substring(0, slash).trim()), den);
            } catch (NumberFormatException e) {
                return UNKNOWN;
            }
        }
        return UNKNOWN;
    }

    private static BigInteger big(Number n) {
        return n instanceof BigInteger b ? b : BigInteger.valueOf(n.longValue());
    }

    // ------------------------------------------------------------------ collections

    private static Object collections(String name, PyTuple args) {
        switch (name) {
            case "OrderedDict" -> {
                PyOrderedDict d = new PyOrderedDict();
                if (args.isEmpty()) return d;
                if (args.size() == 1 && args.get(0) instanceof List<?> pairs) {
                    for (Object pair : pairs) {
                        if (!(pair instanceof List<?> kv) || kv.size() != 2) return UNKNOWN;
                        Hashability.require(kv.get(0));
                        d.put(kv.get(0), kv.get(1));
                    }
                    return d;
                }
                return UNKNOWN;
            }
            case "defaultdict" -> {
                if (args.isEmpty()) return new PyDefaultDict(null);
                if (args.size() == 1) return new PyDefaultDict(args.get(0));
                return UNKNOWN;
            }
            case "Counter" -> {
                PyCounter c = new PyCounter();
                if (args.isEmpty()) return c;
                if (args.size() == 1 && args.get(0) instanceof Map<?, ?> m) {
                    for (Map.Entry<?, ?> e : m.entrySet()) c.put(e.getKey(), e.getValue());
                    return c;
                }
                return UNKNOWN;
            }
            default -> {
                return UNKNOWN;
            }
        }
    }

    // ------------------------------------------------------------------ array

    private static Object array(String name, PyTuple args) {
        if (name.equals("array")) {
            if (args.size() != 2 || !(args.get(0) instanceof String tc) || tc.length() != 1) return UNKNOWN;
            char typecode = tc.charAt(0);
            try {
                PyArray.storageType(typecode);
            } catch (IllegalArgumentException e) {
                return UNKNOWN;
            }
            Object init = args.get(1);
            if (init instanceof List<?> list) return fromValues(typecode, list);
            if ((typecode == 'u' || typecode == 'w') && init instanceof String s) {
                return PyArray.fromLongs(typecode, s.codePoints().asLongStream().toArray());
            }
            // Python 2 wrote the machine bytes (native little-endian) as a str
            byte[] raw = init instanceof byte[] b ? b : init instanceof String s ? (byte[]) encode(s, "latin1") : null;
            if (raw == null) return UNKNOWN;
            return fromMachineBytes(typecode, nativeFormat(typecode), raw);
        }
        if (name.equals("_array_reconstructor")) {
            if (args.size() != 4 || !(args.get(0) instanceof PyGlobal cls) || !cls.equals(new PyGlobal("array", "array"))
                    || !(args.get(1) instanceof String tc) || tc.length() != 1 || !(args.get(2) instanceof Long mformat)
                    || !(args.get(3) instanceof byte[] raw)) {
                return UNKNOWN;
            }
            try {
                PyArray.storageType(tc.charAt(0));
            } catch (IllegalArgumentException e) {
                return UNKNOWN;
            }
            return fromMachineBytes(tc.charAt(0), (int) (long) mformat, raw);
        }
        return UNKNOWN;
    }

    private static Object fromValues(char typecode, List<?> list) {
        int n = list.size();
        if (typecode == 'f' || typecode == 'd') {
            double[] v = new double[n];
            for (int i = 0; i < n; i++) {
                if (!(list.get(i) instanceof Number x) || x instanceof BigInteger) return UNKNOWN;
                v[i] = x.doubleValue();
            }
            if (typecode == 'd') return PyArray.of('d', v);
            float[] f = new float[n];
            for (int i = 0; i < n; i++) f[i] = (float) v[i];
            return PyArray.of('f', f);
        }
        long[] v = new long[n];
        for (int i = 0; i < n; i++) {
            Object x = list.get(i);
            if (x instanceof Long l) v[i] = l;
            else if (x instanceof BigInteger b && (typecode == 'Q' || typecode == 'L') && b.signum() > 0 && b.bitLength() <= 64) v[i] = b.longValue();
            else if (x instanceof String s && (typecode == 'u' || typecode == 'w') && s.codePointCount(0, s.length()) == 1) v[i] = s.codePointAt(0);
            else return UNKNOWN;
        }
        return PyArray.fromLongs(typecode, v);
    }

    /** CPython's array machine format code for a typecode on 64-bit Linux. */
    static int nativeFormat(char typecode) {
        return switch (typecode) {
            case 'b' -> 1;
            case 'B' -> 0;
            case 'h' -> 4;
            case 'H' -> 2;
            case 'i' -> 8;
            case 'I' -> 6;
            case 'l', 'q' -> 12;
            case 'L', 'Q' -> 10;
            case 'f' -> 14;
            case 'd' -> 16;
            case 'u', 'w' -> 20;
            default -> throw new IllegalArgumentException("bad typecode " + typecode);
        };
    }

    /** Decodes {@code array._array_reconstructor} data of the given machine format. */
    static Object fromMachineBytes(char typecode, int mformat, byte[] raw) {
        if (mformat < 0 || mformat > 21) return UNKNOWN;
        ByteOrder order = (mformat >= 2 && mformat % 2 == 1) ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        ByteBuffer b = ByteBuffer.wrap(raw).order(order);
        int size = switch (mformat) {
            case 0, 1 -> 1;
            case 2, 3, 4, 5, 18, 19 -> 2;
            case 6, 7, 8, 9, 14, 15, 20, 21 -> 4;
            default -> 8;
        };
        if (raw.length % size != 0) throw new PickleException("array data length " + raw.length + " is not a multiple of " + size);
        int n = raw.length / size;
        if (mformat == 16 || mformat == 17 || mformat == 14 || mformat == 15) {
            if (typecode != 'f' && typecode != 'd') return UNKNOWN;
            double[] v = new double[n];
            for (int i = 0; i < n; i++) v[i] = size == 4 ? b.getFloat() : b.getDouble();
            if (typecode == 'd') return PyArray.of('d', v);
            float[] f = new float[n];
            for (int i = 0; i < n; i++) f[i] = (float) v[i];
            return PyArray.of('f', f);
        }
        if (mformat >= 18) {
            if (typecode != 'u' && typecode != 'w') return UNKNOWN;
            String s = new String(raw, size == 2 ? (order == ByteOrder.BIG_ENDIAN ? StandardCharsets.UTF_16BE : StandardCharsets.UTF_16LE)
                    : java.nio.charset.Charset.forName(order == ByteOrder.BIG_ENDIAN ? "UTF-32BE" : "UTF-32LE"));
            return PyArray.fromLongs(typecode, s.codePoints().asLongStream().toArray());
        }
        if (typecode == 'f' || typecode == 'd' || typecode == 'u' || typecode == 'w') return UNKNOWN;
        boolean signed = mformat == 1 || (mformat >= 2 && ((mformat - 2) / 2) % 2 == 1);
        long[] v = new long[n];
        for (int i = 0; i < n; i++) {
            v[i] = switch (size) {
                case 1 -> signed ? b.get() : b.get() & 0xffL;
                case 2 -> signed ? b.getShort() : b.getShort() & 0xffffL;
                case 4 -> signed ? b.getInt() : b.getInt() & 0xffffffffL;
                default -> b.getLong();
            };
        }
        return PyArray.fromLongs(typecode, v);
    }
}
