package io.picklebridge.pickle;

import static io.picklebridge.pickle.Opcodes.*;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.BaseStream;

/**
 * Writes one pickle of protocol 2-5 into a growable byte array (or through to a stream),
 * without recursion: containers being written are {@link Task}s on an explicit stack whose
 * size is the nesting depth, bounded by {@link PickleLimits#maxDepth()}. The memo is by
 * identity, so shared objects stay shared, cycles are written as GETs, and equal-but-distinct
 * objects are never merged. Output follows CPython's pickler: 64 KiB frames from protocol 4,
 * batches of 1000 for APPENDS/SETITEMS, Python 2 names at protocol 2.
 */
final class Pickler {
    private static final VarHandle INTS = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONGS_BE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final int FRAME_TARGET = 64 * 1024;
    /** Output kept in one buffer before it becomes a chunk: the buffer stays below 1 MiB. */
    private static final int SPILL_AT = 256 * 1024;
    private static final int FRAME_MIN = 4;
    private static final int BATCH = 1000;
    /** Strings and bytes at least this long are memoized (shorter ones are cheaper to rewrite). */
    private static final int MEMO_MIN_LENGTH = 64;
    /** Dicts of at most this many flat items are written in place, without a task. */
    private static final int INLINE_ITEMS = 16;
    /** Strings of at most this many chars fit SHORT_BINUNICODE whatever they hold (3 bytes a char at most). */
    private static final int SHORT_CHARS = 85;
    private static final Object DONE = new Object();
    private static final Object PUSHED = new Object();

    private final int proto;
    private final PickleCodec.Builder settings;
    private final BufferCallback bufferCallback;
    private final OutputStream sink;
    private final int maxDepth;

    private byte[] buf = new byte[256];
    // Output before buf: finished stretches of buf (handed over, not copied) and large payloads
    // kept by reference; copied once into the result. Keeps buf below G1's humongous size.
    private List<byte[]> chunks;
    private int[] chunkLengths;
    private long chunkBytes;
    private int pos;
    private int frameStart = -1;

    private final IdentityIntMap memo = new IdentityIntMap();
    private HashMap<PyGlobal, Integer> globalMemo;
    private int memoCount;

    private Task[] tasks = new Task[8];
    private int taskCount;

    Pickler(int protocol, PickleCodec.Builder settings, BufferCallback bufferCallback, OutputStream sink) {
        if (protocol < 2 || protocol > PickleCodec.HIGHEST_PROTOCOL) {
            throw new IllegalArgumentException("protocol must be 2 to " + PickleCodec.HIGHEST_PROTOCOL + ", got " + protocol);
        }
        this.proto = protocol;
        this.settings = settings;
        this.bufferCallback = protocol >= 5 ? bufferCallback : null;
        this.sink = sink;
        this.maxDepth = settings.limits.maxDepth();
    }

    byte[] dump(Object value) {
        try {
            writeAll(value);
        } finally {
            if (memo.size() >= 1 << 16) memo.clear();
        }
        return result();
    }

    private byte[] result() {
        if (sink != null) {
            flushToSink();
            return null;
        }
        if (chunks == null) return Arrays.copyOf(buf, pos);
        if (chunkBytes + pos > Integer.MAX_VALUE - 16) throw new PickleLimitException("pickle larger than 2 GiB");
        byte[] out = new byte[(int) (chunkBytes + pos)];
        int at = 0;
        for (int i = 0; i < chunks.size(); i++) {
            System.arraycopy(chunks.get(i), 0, out, at, chunkLengths[i]);
            at += chunkLengths[i];
        }
        System.arraycopy(buf, 0, out, at, pos);
        return out;
    }

    private void writeAll(Object value) {
        try {
            writeValue(value);
        } catch (StackOverflowError e) {
            throw new PickleLimitException("nesting too deep to pickle");
        } catch (PickleException e) {
            throw e;
        } catch (UncheckedIOException e) {
            throw new PickleException("cannot write pickle: " + e.getCause().getMessage(), PickleException.NO_OFFSET,
                    PickleException.NO_OPCODE, e);
        } catch (RuntimeException e) {
            throw new PickleException("cannot pickle: " + e, PickleException.NO_OFFSET, PickleException.NO_OPCODE, e);
        }
    }

    private void writeValue(Object root) {
        op2(PROTO, proto);
        if (proto >= 4) startFrame();
        save(root);
        while (taskCount > 0) {
            Task t = tasks[taskCount - 1];
            Object child = t.next(this);
            if (child == DONE) {
                tasks[--taskCount] = null;
            } else if (child != PUSHED) {
                boundary();
                save(child);
            }
        }
        op(STOP);
        if (proto >= 4) commitFrame();
    }

    // ------------------------------------------------------------------ output

    private void ensure(int n) {
        if (buf.length - pos < n) {
            long want = Math.max((long) buf.length * 2, (long) pos + n);
            if (want > Integer.MAX_VALUE - 16) {
                if ((long) pos + n > Integer.MAX_VALUE - 16) throw new PickleLimitException("pickle larger than 2 GiB");
                want = Integer.MAX_VALUE - 16;
            }
            buf = Arrays.copyOf(buf, (int) want);
        }
    }

    private void op(int code) {
        ensure(1);
        buf[pos++] = (byte) code;
    }

    private void op2(int code, int b) {
        ensure(2);
        buf[pos++] = (byte) code;
        buf[pos++] = (byte) b;
    }

    private void writeInt(int v) {
        INTS.set(buf, pos, v);
        pos += 4;
    }

    private void writeLong(long v) {
        LONGS.set(buf, pos, v);
        pos += 8;
    }

    private void startFrame() {
        ensure(9);
        frameStart = pos;
        pos += 9;
    }

    /**
     * At an opcode boundary: close the frame once it reaches 64 KiB and open the next; between
     * frames (or without framing), hand a large enough buffer over to the chunks.
     */
    private void boundary() {
        if (frameStart >= 0) {
            if (pos - frameStart - 9 >= FRAME_TARGET) {
                commitFrame();
                if (pos >= SPILL_AT) spill();
                startFrame();
            }
        } else if (pos >= SPILL_AT) {
            spill();
        }
    }

    /** Hands the finished output in buf over to the chunks (no copy) and starts a fresh buf. */
    private void spill() {
        if (sink != null || pos == 0) return;
        byte[] full = buf;
        int n = pos;
        buf = new byte[Math.max(256, Math.min(full.length, 2 * SPILL_AT))];
        pos = 0;
        addChunk(full, 0, n);
    }

    private void addChunk(byte[] data, int off, int len) {
        if (off != 0) data = Arrays.copyOfRange(data, off, off + len);
        if (chunks == null) {
            chunks = new ArrayList<>();
            chunkLengths = new int[8];
        } else if (chunks.size() == chunkLengths.length) {
            chunkLengths = Arrays.copyOf(chunkLengths, chunkLengths.length * 2);
        }
        chunkLengths[chunks.size()] = len;
        chunks.add(data);
        chunkBytes += len;
        if (chunkBytes > Integer.MAX_VALUE - 16) throw new PickleLimitException("pickle larger than 2 GiB");
    }

    private void commitFrame() {
        int n = pos - frameStart - 9;
        if (n >= FRAME_MIN) {
            buf[frameStart] = (byte) FRAME;
            LONGS.set(buf, frameStart + 1, (long) n);
        } else {
            System.arraycopy(buf, frameStart + 9, buf, frameStart, n);
            pos -= 9;
        }
        frameStart = -1;
        if (sink != null) flushToSink();
    }

    private void flushToSink() {
        if (sink == null || frameStart >= 0) return;
        try {
            sink.write(buf, 0, pos);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        pos = 0;
    }

    /**
     * Writes a payload after its opcode header; a large one goes between frames, as CPython does,
     * and is not copied into the buffer: it is kept as a chunk and copied once into the result.
     */
    private void payload(byte[] data, int off, int len) {
        if (len >= FRAME_TARGET) {
            boolean framing = frameStart >= 0;
            if (framing) commitFrame();
            if (sink != null) {
                flushToSink();
                try {
                    sink.write(data, off, len);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            } else {
                spill();
                addChunk(data, off, len);
            }
            if (framing) startFrame();
            return;
        }
        ensure(len);
        System.arraycopy(data, off, buf, pos, len);
        pos += len;
    }

    // ------------------------------------------------------------------ memo

    private void memoize(Object obj) {
        memo.put(obj, memoizeValue());
    }

    private void get(int index) {
        if (index < 256) {
            op2(BINGET, index);
        } else {
            ensure(5);
            buf[pos++] = (byte) LONG_BINGET;
            writeInt(index);
        }
    }

    /** Writes a GET if {@code obj} was already written; returns whether it did. */
    private boolean memoized(Object obj) {
        int index = memo.get(obj);
        if (index < 0) return false;
        get(index);
        return true;
    }

    // ------------------------------------------------------------------ values

    private void save(Object v) {
        if (v == null) {
            op(NONE);
        } else if (v instanceof String s) {
            saveString(s);
        } else if (v instanceof Long l) {
            saveLong(l);
        } else if (v instanceof Integer i) {
            saveLong(i);
        } else if (v instanceof Double d) {
            saveDouble(d);
        } else if (v instanceof Boolean b) {
            op(b ? NEWTRUE : NEWFALSE);
        } else if (v instanceof PyTuple t) {
            saveTuple(t);
        } else if (v instanceof List<?> list) {
            saveList(list);
        } else if (v instanceof Map<?, ?> map) {
            saveMap(map);
        } else if (v instanceof byte[] bytes) {
            saveBytes(bytes);
        } else {
            saveOther(v);
        }
    }

    private void saveOther(Object v) {
        if (v instanceof BigInteger b) saveBigInteger(b);
        else if (v instanceof Float f) saveDouble(f);
        else if (v instanceof Short || v instanceof Byte || v instanceof AtomicInteger || v instanceof AtomicLong) {
            saveLong(((Number) v).longValue());
        } else if (v instanceof Character c) saveString(String.valueOf(c));
        else if (v instanceof PyFrozenSet fs) saveFrozenSet(fs);
        else if (v instanceof Set<?> set) saveSet(set);
        else if (v instanceof PyObject o) saveObject(o);
        else if (v instanceof PyGlobal g) saveGlobal(g);
        else if (v instanceof PyByteArray b) saveByteArray(b);
        else if (v instanceof PyComplex c) reduce(new PyGlobal("builtins", "complex"), c.real(), c.imag());
        else if (v instanceof PyRange r) reduce(new PyGlobal("builtins", "range"), r.start(), r.stop(), r.step());
        else if (v instanceof PySlice s) reduceNested(new PyGlobal("builtins", "slice"), PyTuple.of(s.start(), s.stop(), s.step()));
        else if (v instanceof PyFraction f) reduce(new PyGlobal("fractions", "Fraction"), f.numerator(), f.denominator());
        else if (v instanceof BigDecimal d) reduce(new PyGlobal("decimal", "Decimal"), d.toString());
        else if (v instanceof ByteBuffer b) saveByteBuffer(b);
        else if (v instanceof UUID u) saveUuid(u);
        else if (v instanceof PyArray a) saveArray(a);
        else if (v instanceof LocalDate d) reduce(new PyGlobal("datetime", "date"), dateBytes(d));
        else if (v instanceof LocalTime t) reduce(new PyGlobal("datetime", "time"), timeBytes(t, false));
        else if (v instanceof OffsetTime t) reduce(new PyGlobal("datetime", "time"), timeBytes(t.toLocalTime(), false), t.getOffset());
        else if (v instanceof LocalDateTime t) reduce(new PyGlobal("datetime", "datetime"), dateTimeBytes(t, false));
        else if (v instanceof OffsetDateTime t) reduce(new PyGlobal("datetime", "datetime"), dateTimeBytes(t.toLocalDateTime(), false), t.getOffset());
        else if (v instanceof ZonedDateTime t) saveZoned(t);
        else if (v instanceof Instant i) save(OffsetDateTime.ofInstant(i, ZoneOffset.UTC));
        else if (v instanceof Duration d) saveDuration(d);
        else if (v instanceof ZoneOffset z) saveTimezone(z);
        else if (v instanceof ZoneId z) reduce(new PyGlobal("zoneinfo", "ZoneInfo._unpickle"), z.getId(), 1L);
        else if (v instanceof Object[] array) saveList(Arrays.asList(array));
        else if (v.getClass().isArray()) saveList(primitiveList(v));
        else saveJavaOnly(v);
    }

    /** Registered reducers first, then what the type table gives Java-only types. */
    private void saveJavaOnly(Object v) {
        Reducer<Object> reducer = reducerFor(v.getClass());
        if (reducer != null) {
            Object reduced = reducer.reduce(v);
            if (reduced != null && reduced.getClass() == v.getClass()) {
                throw new PickleRefusedException("reducer for " + v.getClass().getName() + " returned the same type");
            }
            save(reduced);
        } else if (v instanceof Enum<?> e) {
            saveString(e.name());
        } else if (v instanceof Record r) {
            saveMap(recordComponents(r));
        } else if (v instanceof Optional<?> o) {
            save(o.orElse(null));
        } else if (v instanceof Collection<?> c) {
            saveList(new ArrayList<>(c));
        } else if (v instanceof Iterable<?> it) {
            List<Object> items = new ArrayList<>();
            it.forEach(items::add);
            saveList(items);
        } else if (v instanceof BaseStream<?, ?> s) {
            List<Object> items = new ArrayList<>();
            s.iterator().forEachRemaining(items::add);
            saveList(items);
        } else if (v instanceof Number n) {
            throw new PickleRefusedException("cannot pickle " + v.getClass().getName() + " (register a Reducer)");
        } else {
            throw new PickleRefusedException("cannot pickle " + v.getClass().getName() + " (register a Reducer)");
        }
    }

    @SuppressWarnings("unchecked")
    private Reducer<Object> reducerFor(Class<?> type) {
        if (settings.reducers.isEmpty()) return null;
        Reducer<?> exact = settings.reducers.get(type);
        if (exact != null) return (Reducer<Object>) exact;
        for (Map.Entry<Class<?>, Reducer<?>> e : settings.reducers.entrySet()) {
            if (e.getKey().isAssignableFrom(type)) return (Reducer<Object>) e.getValue();
        }
        return null;
    }

    private static Map<String, Object> recordComponents(Record r) {
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        for (RecordComponent c : r.getClass().getRecordComponents()) {
            try {
                java.lang.reflect.Method accessor = c.getAccessor();
                if (!accessor.canAccess(r)) accessor.setAccessible(true);
                out.put(c.getName(), accessor.invoke(r));
            } catch (ReflectiveOperationException | RuntimeException e) {
                throw new PickleRefusedException("cannot read record component " + r.getClass().getName() + "." + c.getName() + ": " + e);
            }
        }
        return out;
    }

    private static List<Object> primitiveList(Object array) {
        int n = java.lang.reflect.Array.getLength(array);
        List<Object> out = new ArrayList<>(n);
        if (array instanceof long[] a) for (long x : a) out.add(x);
        else if (array instanceof int[] a) for (int x : a) out.add((long) x);
        else if (array instanceof double[] a) for (double x : a) out.add(x);
        else if (array instanceof float[] a) for (float x : a) out.add((double) x);
        else if (array instanceof short[] a) for (short x : a) out.add((long) x);
        else if (array instanceof byte[] a) for (byte x : a) out.add((long) x);
        else if (array instanceof boolean[] a) for (boolean x : a) out.add(x);
        else if (array instanceof char[] a) for (char x : a) out.add(String.valueOf(x));
        return out;
    }

    // ------------------------------------------------------------------ scalars

    private void saveLong(long v) {
        if (v >= 0) {
            if (v < 256) {
                op2(BININT1, (int) v);
                return;
            }
            if (v < 65536) {
                ensure(3);
                buf[pos++] = (byte) BININT2;
                buf[pos++] = (byte) v;
                buf[pos++] = (byte) (v >> 8);
                return;
            }
        }
        if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
            ensure(5);
            buf[pos++] = (byte) BININT;
            writeInt((int) v);
            return;
        }
        // LONG1 with the fewest two's-complement bytes, as CPython's encode_long
        int n = 8;
        while (n > 1 && (v >> ((n - 1) * 8 - 1)) == (v >> 63)) n--;
        ensure(2 + n);
        buf[pos++] = (byte) LONG1;
        buf[pos++] = (byte) n;
        for (int i = 0; i < n; i++) buf[pos++] = (byte) (v >> (8 * i));
    }

    private void saveBigInteger(BigInteger b) {
        if (b.bitLength() < 64) {
            saveLong(b.longValue());
            return;
        }
        byte[] be = b.toByteArray();
        int n = be.length;
        if (n < 256) {
            ensure(2 + n);
            buf[pos++] = (byte) LONG1;
            buf[pos++] = (byte) n;
        } else {
            ensure(5 + n);
            buf[pos++] = (byte) LONG4;
            writeInt(n);
        }
        for (int i = n - 1; i >= 0; i--) buf[pos++] = be[i];
    }

    private void saveDouble(double d) {
        ensure(9);
        buf[pos++] = (byte) BINFLOAT;
        LONGS_BE.set(buf, pos, Double.doubleToRawLongBits(d));
        pos += 8;
    }

    private void saveString(String s) {
        int len = s.length();
        boolean memoizable = len >= MEMO_MIN_LENGTH;
        if (memoizable && memoized(s)) return;
        if (len <= SHORT_CHARS) {
            // one pass: encode after room for the header, then write the header's length
            int header = proto >= 4 ? 2 : 5;
            ensure(header + 3 * len);
            int start = pos;
            int end = Utf8.encode(s, buf, start + header);
            int n = end - start - header;
            if (proto >= 4) {
                buf[start] = (byte) SHORT_BINUNICODE;
                buf[start + 1] = (byte) n;
            } else {
                buf[start] = (byte) BINUNICODE;
                INTS.set(buf, start + 1, n);
            }
            pos = end;
            if (memoizable) memoize(s);
            return;
        }
        int n = Utf8.encodedLength(s);
        if (n < 256 && proto >= 4) {
            ensure(2 + n);
            buf[pos++] = (byte) SHORT_BINUNICODE;
            buf[pos++] = (byte) n;
            pos = Utf8.encode(s, buf, pos);
        } else if (n >= FRAME_TARGET && frameStart >= 0) {
            byte[] data = new byte[n];
            Utf8.encode(s, data, 0);
            ensure(9);
            buf[pos++] = (byte) BINUNICODE;
            writeInt(n);
            payload(data, 0, n);
        } else {
            ensure(5 + n);
            buf[pos++] = (byte) BINUNICODE;
            writeInt(n);
            pos = Utf8.encode(s, buf, pos);
        }
        if (memoizable) memoize(s);
    }

    private void saveBytes(byte[] b) {
        boolean memoizable = b.length >= MEMO_MIN_LENGTH;
        if (memoizable && memoized(b)) return;
        if (bufferCallback != null && bufferCallback.offer(ByteBuffer.wrap(b).asReadOnlyBuffer())) {
            op(NEXT_BUFFER);
            op(READONLY_BUFFER);
            if (memoizable) memoize(b);
            return;
        }
        if (proto < 3) {
            // what CPython writes for bytes at protocol 2, so Python 2 and 3 both load it
            if (b.length == 0) {
                reduce(new PyGlobal("builtins", "bytes"));
            } else {
                saveGlobal(new PyGlobal("_codecs", "encode"));
                saveString(new String(b, java.nio.charset.StandardCharsets.ISO_8859_1));
                saveString("latin1");
                op(TUPLE2);
                op(REDUCE);
            }
        } else {
            int n = b.length;
            if (n < 256) {
                ensure(2);
                buf[pos++] = (byte) SHORT_BINBYTES;
                buf[pos++] = (byte) n;
            } else {
                ensure(5);
                buf[pos++] = (byte) BINBYTES;
                writeInt(n);
            }
            payload(b, 0, n);
        }
        if (memoizable) memoize(b);
    }

    /**
     * A ByteBuffer's remaining bytes as {@code bytes} (how a zero-copy decoded bytes object comes
     * back): a heap buffer's array is written in place, a direct one is copied out first.
     */
    private void saveByteBuffer(ByteBuffer b) {
        if (memoized(b)) return;
        ByteBuffer view = b.duplicate();
        int n = view.remaining();
        if (bufferCallback != null && bufferCallback.offer(view.asReadOnlyBuffer())) {
            op(NEXT_BUFFER);
            op(READONLY_BUFFER);
        } else if (proto < 3 || !view.hasArray()) {
            byte[] copy = new byte[n];
            view.get(copy);
            saveBytes(copy);
            return; // saveBytes memoized nothing under this buffer's identity
        } else {
            if (n < 256) {
                ensure(2);
                buf[pos++] = (byte) SHORT_BINBYTES;
                buf[pos++] = (byte) n;
            } else {
                ensure(5);
                buf[pos++] = (byte) BINBYTES;
                writeInt(n);
            }
            payload(view.array(), view.arrayOffset() + view.position(), n);
        }
        memoize(b);
    }

    private void saveByteArray(PyByteArray b) {
        if (memoized(b)) return;
        byte[] bytes = b.bytes();
        if (bufferCallback != null && bufferCallback.offer(ByteBuffer.wrap(bytes))) {
            op(NEXT_BUFFER);
        } else if (proto >= 5) {
            ensure(9);
            buf[pos++] = (byte) BYTEARRAY8;
            writeLong(bytes.length);
            payload(bytes, 0, bytes.length);
        } else if (proto >= 3) {
            saveGlobal(new PyGlobal("builtins", "bytearray"));
            saveBytes(bytes);
            op(TUPLE1);
            op(REDUCE);
        } else {
            saveGlobal(new PyGlobal("builtins", "bytearray"));
            saveString(new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1));
            saveString("latin-1");
            op(TUPLE2);
            op(REDUCE);
        }
        memoize(b);
    }

    /** {@code global(*args)} where every argument is a flat value (no containers). */
    private void reduce(PyGlobal global, Object... args) {
        saveGlobal(global);
        saveFlatTuple(args);
        op(REDUCE);
    }

    /** {@code global(*args)} where arguments may be containers: they are written by the task loop. */
    private void reduceNested(PyGlobal global, PyTuple args) {
        saveGlobal(global);
        checkDepth();
        push(new Script(new Object[] {args, Emit.op(REDUCE)}));
    }

    private void saveFlatTuple(Object... items) {
        int n = items.length;
        if (n == 0) {
            op(EMPTY_TUPLE);
            return;
        }
        if (n > 3) op(MARK);
        for (Object item : items) save(item);
        op(n > 3 ? TUPLE : TUPLE1 + n - 1);
    }

    private void saveGlobal(PyGlobal g) {
        if (globalMemo != null) {
            Integer index = globalMemo.get(g);
            if (index != null) {
                get(index);
                return;
            }
        }
        if (proto >= 4) {
            saveString(g.module());
            saveString(g.qualname());
            op(STACK_GLOBAL);
        } else {
            PyGlobal name = proto < 3 ? LegacyNames.toPython2(g) : g;
            String[] parts = name.qualname().split("\\.", -1);
            if (parts.length > 1) {
                // protocols < 4 cannot name Outer.Inner: write getattr(getattr(Outer, 'Inner'), ...) as CPython does
                PyGlobal getattr = proto < 3 ? new PyGlobal("__builtin__", "getattr") : new PyGlobal("builtins", "getattr");
                for (int i = 1; i < parts.length; i++) writeGlobalLine(getattr);
                writeGlobalLine(new PyGlobal(name.module(), parts[0]));
                for (int i = 1; i < parts.length; i++) {
                    saveString(parts[i]);
                    op(TUPLE2);
                    op(REDUCE);
                }
            } else {
                writeGlobalLine(name);
            }
        }
        if (globalMemo == null) globalMemo = new HashMap<>();
        globalMemo.put(g, memoizeValue());
    }

    /** Writes MEMOIZE / BINPUT / LONG_BINPUT for the value on top; returns its memo index. */
    private int memoizeValue() {
        int index = memoCount++;
        if (proto >= 4) {
            op(MEMOIZE);
        } else if (index < 256) {
            op2(BINPUT, index);
        } else {
            ensure(5);
            buf[pos++] = (byte) LONG_BINPUT;
            writeInt(index);
        }
        return index;
    }

    private void writeGlobalLine(PyGlobal g) {
        byte[] m = g.module().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] q = g.qualname().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        for (byte[] part : new byte[][] {m, q}) {
            for (byte c : part) if (c == '\n') throw new PickleRefusedException("global name contains a newline: " + g);
        }
        ensure(3 + m.length + q.length);
        buf[pos++] = (byte) GLOBAL;
        System.arraycopy(m, 0, buf, pos, m.length);
        pos += m.length;
        buf[pos++] = '\n';
        System.arraycopy(q, 0, buf, pos, q.length);
        pos += q.length;
        buf[pos++] = '\n';
    }

    private void saveUuid(UUID u) {
        saveGlobal(new PyGlobal("uuid", "UUID"));
        op(EMPTY_TUPLE);
        op(NEWOBJ);
        op(EMPTY_DICT);
        saveString("int");
        BigInteger v = new BigInteger(1, ByteBuffer.allocate(16).putLong(u.getMostSignificantBits())
                .putLong(u.getLeastSignificantBits()).array());
        saveBigInteger(v);
        op(SETITEM);
        op(BUILD);
    }

    private void saveTimezone(ZoneOffset z) {
        saveGlobal(new PyGlobal("datetime", "timezone"));
        reduce(new PyGlobal("datetime", "timedelta"), 0L, (long) z.getTotalSeconds(), 0L);
        op(TUPLE1);
        op(REDUCE);
    }

    private void saveDuration(Duration d) {
        long seconds = d.getSeconds();
        long days = Math.floorDiv(seconds, 86400);
        long secs = Math.floorMod(seconds, 86400);
        reduce(new PyGlobal("datetime", "timedelta"), days, secs, (long) (d.getNano() / 1000));
    }

    private void saveZoned(ZonedDateTime t) {
        if (t.getZone() instanceof ZoneOffset offset) {
            reduce(new PyGlobal("datetime", "datetime"), dateTimeBytes(t.toLocalDateTime(), false), offset);
            return;
        }
        boolean fold = t.getOffset().equals(t.withLaterOffsetAtOverlap().getOffset())
                && !t.getOffset().equals(t.withEarlierOffsetAtOverlap().getOffset());
        reduce(new PyGlobal("datetime", "datetime"), dateTimeBytes(t.toLocalDateTime(), fold), t.getZone());
    }

    private static byte[] dateBytes(LocalDate d) {
        int y = d.getYear();
        if (y < 1 || y > 9999) throw new PickleRefusedException("year " + y + " is out of Python's range 1..9999");
        return new byte[] {(byte) (y >> 8), (byte) y, (byte) d.getMonthValue(), (byte) d.getDayOfMonth()};
    }

    private static byte[] timeBytes(LocalTime t, boolean fold) {
        int us = t.getNano() / 1000;
        return new byte[] {(byte) (t.getHour() | (fold ? 0x80 : 0)), (byte) t.getMinute(), (byte) t.getSecond(),
            (byte) (us >> 16), (byte) (us >> 8), (byte) us};
    }

    private static byte[] dateTimeBytes(LocalDateTime t, boolean fold) {
        byte[] d = dateBytes(t.toLocalDate());
        byte[] tm = timeBytes(t.toLocalTime(), false);
        return new byte[] {d[0], d[1], (byte) (d[2] | (fold ? 0x80 : 0)), d[3], tm[0], tm[1], tm[2], tm[3], tm[4], tm[5]};
    }

    private void saveArray(PyArray a) {
        if (memoized(a)) return;
        char tc = a.typecode();
        if (proto >= 3) {
            saveGlobal(new PyGlobal("array", "_array_reconstructor"));
            op(MARK);
            saveGlobal(new PyGlobal("array", "array"));
            saveString(String.valueOf(tc));
            saveLong(KnownGlobals.nativeFormat(tc));
            saveBytes(machineBytes(a));
            op(TUPLE);
            op(REDUCE);
            memoize(a);
        } else {
            saveGlobal(new PyGlobal("array", "array"));
            saveString(String.valueOf(tc));
            List<Object> items = new ArrayList<>(a.length());
            if (tc == 'u' || tc == 'w') {
                saveString(a.asString());
                op(TUPLE2);
                op(REDUCE);
                memoize(a);
                return;
            }
            for (int i = 0; i < a.length(); i++) items.add(a.get(i));
            // the list is flat (numbers), so writing it inline keeps the explicit stack untouched
            op(EMPTY_LIST);
            writeFlatItems(items);
            op(TUPLE2);
            op(REDUCE);
            memoize(a);
        }
    }

    private void writeFlatItems(List<Object> items) {
        for (int start = 0; start < items.size(); start += BATCH) {
            int end = Math.min(items.size(), start + BATCH);
            if (end - start > 1) op(MARK);
            for (int i = start; i < end; i++) save(items.get(i));
            op(end - start > 1 ? APPENDS : APPEND);
        }
    }

    private static byte[] machineBytes(PyArray a) {
        int size = PyArray.itemSize(a.typecode());
        int n = a.length();
        ByteBuffer b = ByteBuffer.allocate(n * size).order(ByteOrder.LITTLE_ENDIAN);
        Object items = a.items();
        if (items instanceof byte[] x) b.put(x);
        else if (items instanceof short[] x) b.asShortBuffer().put(x);
        else if (items instanceof int[] x) b.asIntBuffer().put(x);
        else if (items instanceof long[] x) b.asLongBuffer().put(x);
        else if (items instanceof float[] x) b.asFloatBuffer().put(x);
        else if (items instanceof double[] x) b.asDoubleBuffer().put(x);
        return b.array();
    }

    // ------------------------------------------------------------------ containers

    /** A container about to be written sits one level below the open ones. */
    private void checkDepth() {
        if (taskCount >= maxDepth) {
            throw new PickleLimitException("nesting deeper than maxDepth " + maxDepth);
        }
    }

    private void push(Task t) {
        if (taskCount >= maxDepth + 1) {
            throw new PickleLimitException("nesting deeper than maxDepth " + maxDepth);
        }
        if (taskCount == tasks.length) tasks = Arrays.copyOf(tasks, taskCount * 2);
        tasks[taskCount++] = t;
    }

    private void saveList(List<?> list) {
        // one probe: the memo index this list gets is the next one, written by memoizeValue below
        int seen = memo.putIfAbsent(list, memoCount);
        if (seen >= 0) {
            get(seen);
            return;
        }
        checkDepth();
        op(EMPTY_LIST);
        memoizeValue();
        if (!list.isEmpty()) push(new ItemsTask(list, APPENDS, APPEND));
    }

    private void saveMap(Map<?, ?> map) {
        if (!(map instanceof PyOrderedDict || map instanceof PyDefaultDict || map instanceof PyCounter)) {
            savePlainMap(map);
            return;
        }
        if (memoized(map)) return;
        checkDepth();
        if (map instanceof PyOrderedDict) {
            saveGlobal(new PyGlobal("collections", "OrderedDict"));
            op(EMPTY_TUPLE);
            op(REDUCE);
        } else if (map instanceof PyDefaultDict d) {
            saveGlobal(new PyGlobal("collections", "defaultdict"));
            Object factory = d.defaultFactory();
            if (factory != null && !(factory instanceof PyGlobal)) {
                throw new PickleRefusedException("defaultdict factory must be a PyGlobal or null");
            }
            save(factory);
            op(TUPLE1);
            op(REDUCE);
        } else if (map instanceof PyCounter c) {
            // Counter(dict): the dict is written inline, then REDUCE when its task is done
            saveGlobal(new PyGlobal("collections", "Counter"));
            op(EMPTY_DICT);
            push(new Script(new ItemsTask(null, c, true), Emit.op(TUPLE1), Emit.op(REDUCE), Emit.memo(c)));
            return;
        }
        memoize(map);
        if (!map.isEmpty()) push(new ItemsTask(null, map, true));
    }

    /** A dict: EMPTY_DICT, MEMOIZE, then its items (inline when they are all flat values). */
    private void savePlainMap(Map<?, ?> map) {
        int seen = memo.putIfAbsent(map, memoCount);
        if (seen >= 0) {
            get(seen);
            return;
        }
        checkDepth();
        op(EMPTY_DICT);
        memoizeValue();
        int n = map.size();
        if (n == 0) return;
        if (n <= INLINE_ITEMS && writeFlatItems(map, n)) return;
        push(new ItemsTask(null, map, true));
    }

    /**
     * Writes a small dict's items in place (one batch: MARK ... SETITEMS, or SETITEM for one
     * item, as CPython's {@code _batch_setitems}) when every key and value is a flat value that
     * is never memoized, so no task is needed; returns false, having written nothing, otherwise.
     */
    private boolean writeFlatItems(Map<?, ?> map, int n) {
        int seen = 0;
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!isFlat(e.getKey()) || !isFlat(e.getValue())) return false;
            seen++;
        }
        if (seen != n) throw new java.util.ConcurrentModificationException("map changed while pickling");
        if (n > 1) op(MARK);
        for (Map.Entry<?, ?> e : map.entrySet()) {
            boundary();
            save(e.getKey());
            boundary();
            save(e.getValue());
        }
        op(n > 1 ? SETITEMS : SETITEM);
        return true;
    }

    /** A value written without memo or nesting: None, bool, int, float, or a short str. */
    private static boolean isFlat(Object v) {
        return v == null || (v instanceof String s && s.length() < MEMO_MIN_LENGTH) || v instanceof Long
                || v instanceof Double || v instanceof Integer || v instanceof Boolean;
    }

    private void saveSet(Set<?> set) {
        if (memoized(set)) return;
        checkDepth();
        for (Object item : set) Hashability.require(item);
        if (proto >= 4) {
            op(EMPTY_SET);
            memoize(set);
            if (!set.isEmpty()) push(new ItemsTask(new ArrayList<>(set), ADDITEMS, ADDITEMS));
        } else {
            saveGlobal(new PyGlobal("builtins", "set"));
            op(EMPTY_LIST);
            push(new Script(new ItemsTask(new ArrayList<>(set), APPENDS, APPEND), Emit.op(TUPLE1), Emit.op(REDUCE),
                    Emit.memo(set)));
        }
    }

    private void saveFrozenSet(PyFrozenSet set) {
        if (memoized(set)) return;
        checkDepth();
        if (proto >= 4) {
            op(MARK);
            push(new Script(set.toArray(), Emit.frozenSetEnd(set)));
        } else {
            saveGlobal(new PyGlobal("builtins", "frozenset"));
            op(EMPTY_LIST);
            push(new Script(new ItemsTask(new ArrayList<>(set), APPENDS, APPEND), Emit.op(TUPLE1), Emit.op(REDUCE),
                    Emit.memo(set)));
        }
    }

    private void saveTuple(PyTuple t) {
        int n = t.size();
        if (n == 0) {
            op(EMPTY_TUPLE);
            return;
        }
        if (memoized(t)) return;
        checkDepth();
        boolean mark = n > 3;
        if (mark) op(MARK);
        push(new TupleTask(t, n, mark));
    }

    /** After a tuple's items: build it, unless writing them wrote it already (a cycle through a list). */
    private void endTuple(PyTuple t, int n, boolean mark) {
        int index = memo.get(t);
        if (index >= 0) {
            if (mark) {
                op(POP_MARK);
            } else {
                for (int i = 0; i < n; i++) op(POP);
            }
            get(index);
            return;
        }
        op(mark ? TUPLE : TUPLE1 + n - 1);
        memoize(t);
    }

    private void endFrozenSet(PyFrozenSet set) {
        int index = memo.get(set);
        if (index >= 0) {
            op(POP_MARK);
            get(index);
            return;
        }
        op(FROZENSET);
        memoize(set);
    }

    private void saveObject(PyObject o) {
        if (memoized(o)) return;
        checkDepth();
        List<Object> steps = new ArrayList<>(8);
        if (o.construction() == PyObject.Construction.NEWOBJ_EX && proto < 4) {
            // functools.partial(cls.__new__, cls, *args, **kwargs)(), as CPython's save_reduce writes
            // __newobj_ex__ below protocol 4: partial(fn) REDUCE, BUILD (fn, args, kwargs, None), () REDUCE
            PyGlobal fn = new PyGlobal(o.type().module(), o.type().qualname() + ".__new__");
            Object[] partialArgs = new Object[o.args().size() + 1];
            partialArgs[0] = o.type();
            for (int i = 0; i < o.args().size(); i++) partialArgs[i + 1] = o.args().get(i);
            saveGlobal(new PyGlobal("functools", "partial"));
            steps.add(PyTuple.of(fn));
            steps.add(Emit.op(REDUCE));
            steps.add(PyTuple.of(fn, PyTuple.wrap(partialArgs), new java.util.LinkedHashMap<Object, Object>(o.kwargs()), null));
            steps.add(Emit.op(BUILD));
            steps.add(Emit.op(EMPTY_TUPLE));
            steps.add(Emit.op(REDUCE));
        } else if (o.construction() == PyObject.Construction.OBJ) {
            // MARK cls *args OBJ: how Python 2 builds a classic-class instance (Python 3 alike)
            op(MARK);
            saveGlobal(o.type());
            for (int i = 0; i < o.args().size(); i++) steps.add(o.args().get(i));
            steps.add(Emit.op(OBJ));
        } else {
            saveGlobal(o.type());
            steps.add(o.args());
            switch (o.construction()) {
                case REDUCE -> steps.add(Emit.op(REDUCE));
                case NEWOBJ -> steps.add(Emit.op(NEWOBJ));
                case NEWOBJ_EX -> {
                    steps.add(new java.util.LinkedHashMap<Object, Object>(o.kwargs()));
                    steps.add(Emit.op(NEWOBJ_EX));
                }
            }
        }
        steps.add(Emit.memo(o));
        if (!o.listItems().isEmpty()) steps.add(new ItemsTask(o.listItems(), APPENDS, APPEND));
        if (!o.dictItems().isEmpty()) steps.add(new ItemsTask(null, o.dictItems(), true));
        if (o.hasState() && o.state() != null) {
            steps.add(o.state());
            steps.add(Emit.op(BUILD));
        }
        push(new Script(steps.toArray()));
    }

    // ------------------------------------------------------------------ tasks

    /** A container being written: hands out the next child to save, or {@link #DONE}. */
    private abstract static class Task {
        abstract Object next(Pickler p);
    }

    /** A fixed sequence of children, opcodes to emit, and sub-tasks. */
    private static final class Script extends Task {
        private final Object[] steps;
        private int i;

        Script(Object... steps) {
            this.steps = steps;
        }

        Script(Object[] items, Emit end) {
            this.steps = Arrays.copyOf(items, items.length + 1);
            this.steps[items.length] = end;
        }

        @Override
        Object next(Pickler p) {
            while (i < steps.length) {
                Object step = steps[i++];
                if (step instanceof Emit e) {
                    e.run(p);
                } else if (step instanceof Task t) {
                    p.push(t);
                    return PUSHED;
                } else {
                    return step;
                }
            }
            return DONE;
        }
    }

    /** A tuple's items read in place (no copy of the tuple), then its TUPLE opcode. */
    private static final class TupleTask extends Task {
        private final PyTuple tuple;
        private final int size;
        private final boolean mark;
        private int i;

        TupleTask(PyTuple tuple, int size, boolean mark) {
            this.tuple = tuple;
            this.size = size;
            this.mark = mark;
        }

        @Override
        Object next(Pickler p) {
            if (i < size) return tuple.get(i++);
            if (i++ == size) p.endTuple(tuple, size, mark);
            return DONE;
        }
    }

    private static final class Emit {
        private static final int OPCODE = 0, MEMO = 1, TUPLE_END = 2, FROZENSET_END = 3;
        private final int kind;
        private final int code;
        private final Object target;
        private final boolean mark;

        private Emit(int kind, int code, Object target, boolean mark) {
            this.kind = kind;
            this.code = code;
            this.target = target;
            this.mark = mark;
        }

        static Emit op(int code) {
            return new Emit(OPCODE, code, null, false);
        }

        static Emit memo(Object target) {
            return new Emit(MEMO, 0, target, false);
        }

        static Emit tupleEnd(PyTuple t, int n, boolean mark) {
            return new Emit(TUPLE_END, n, t, mark);
        }

        static Emit frozenSetEnd(PyFrozenSet set) {
            return new Emit(FROZENSET_END, 0, set, true);
        }

        void run(Pickler p) {
            switch (kind) {
                case OPCODE -> p.op(code);
                case MEMO -> p.memoize(target);
                case TUPLE_END -> p.endTuple((PyTuple) target, code, mark);
                default -> p.endFrozenSet((PyFrozenSet) target);
            }
        }
    }

    /**
     * List items (APPENDS) or dict entries (SETITEMS) in batches of 1000, as CPython's
     * {@code _batch_appends} / {@code _batch_setitems}: a batch of one is APPEND / SETITEM.
     */
    private static final class ItemsTask extends Task {
        private final Iterator<?> items;
        private final Iterator<? extends Map.Entry<?, ?>> entries;
        private final int size;
        private final int batchOp;
        private final int singleOp;
        private final boolean checkKeys;
        private int done;
        private int batchEnd;
        private int batchSize;
        private boolean open;
        private Object pendingValue = DONE;

        ItemsTask(List<?> list, int batchOp, int singleOp) {
            this.items = list.iterator();
            this.entries = null;
            this.size = list.size();
            this.batchOp = batchOp;
            this.singleOp = singleOp;
            this.checkKeys = batchOp == ADDITEMS;
        }

        ItemsTask(Object unused, Map<?, ?> map, boolean dict) {
            this.items = null;
            this.entries = map.entrySet().iterator();
            this.size = map.size();
            this.batchOp = SETITEMS;
            this.singleOp = SETITEM;
            this.checkKeys = true;
        }

        @Override
        Object next(Pickler p) {
            if (pendingValue != DONE) {
                Object v = pendingValue;
                pendingValue = DONE;
                return v;
            }
            if (done == batchEnd) {
                if (open) {
                    p.op(batchSize > 1 || batchOp == ADDITEMS ? batchOp : singleOp);
                    open = false;
                }
                if (done >= size) return DONE;
                int n = Math.min(BATCH, size - done);
                batchEnd = done + n;
                batchSize = n;
                if (n > 1 || batchOp == ADDITEMS) p.op(MARK);
                open = true;
            }
            done++;
            if (entries != null) {
                if (!entries.hasNext()) throw new java.util.ConcurrentModificationException("map changed while pickling");
                Map.Entry<?, ?> e = entries.next();
                Hashability.require(e.getKey());
                pendingValue = e.getValue();
                return e.getKey();
            }
            if (!items.hasNext()) throw new java.util.ConcurrentModificationException("list changed while pickling");
            return items.next();
        }
    }
}
