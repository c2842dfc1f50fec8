package io.picklebridge.pickle;

import static io.picklebridge.pickle.Opcodes.*;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads one pickle: a loop over opcodes driving a stack machine, as CPython's {@code _pickle.c}
 * does. One instance per pickle (not thread-safe); created by {@link PickleCodec}.
 *
 * <p>Safety: no recursion (nesting is tracked as a depth number per stack and memo slot and
 * checked against {@link PickleLimits#maxDepth()}), every length is checked against the input
 * left before allocating, unknown globals become {@link PyObject}, and every failure leaves as
 * a {@link PickleException} carrying the offset and opcode.
 */
final class Unpickler {
    private static final Object NONE_IN_MEMO = new Object();
    private static final int MAX_LINE = 1 << 20;
    private static final Long[] SMALL_LONGS = new Long[1024 + 128];

    static {
        for (int i = 0; i < SMALL_LONGS.length; i++) SMALL_LONGS[i] = (long) (i - 128);
    }

    private PickleInput in;
    private final PickleCodec.Builder settings;
    private final PickleLimits limits;
    private final int maxDepth;
    private final int maxContainer;
    private final int zeroCopyBytesMin;
    private final int maxMemoSize;
    private List<? extends ByteBuffer> buffers;
    private int nextBuffer;
    /** The cursor a reused instance reads byte arrays with (see {@link #reuse}). */
    private final ArrayInput arrayInput = new ArrayInput(NO_BYTES, 0, 0);
    private static final byte[] NO_BYTES = {};
    private boolean inUse;

    // small at first: most messages are small; each grows by doubling
    private Object[] stack = new Object[8];
    private int[] depth = new int[8];
    private int sp;
    private int[] marks = new int[4];
    private int mp;
    private int fence; // stack slots below the innermost mark are out of reach, as in _pickle.c

    // The memo is paged: pages of at most MEMO_PAGE slots, so no memo array is ever a G1 humongous
    // object (>= half a region). A dead humongous Object[] stays in the old generation until the
    // next marking cycle and keeps every young object it points to alive through each young
    // collection: the decoded graphs of earlier calls would be copied again and again.
    private static final int MEMO_PAGE_BITS = 12;
    private static final int MEMO_PAGE = 1 << MEMO_PAGE_BITS;
    private static final Object[][] NO_MEMO = {};
    private static final int[][] NO_MEMO_DEPTH = {};
    private static final Object[] NO_FIRST_PAGE = {};
    private static final Object[] NO_STACK = {};
    private static final int[] NO_FIRST_PAGE_DEPTH = {};
    private Object[] memoFirst = NO_FIRST_PAGE; // slots 0..MEMO_PAGE-1, allocated on the first MEMOIZE/PUT
    private int[] memoFirstDepth = NO_FIRST_PAGE_DEPTH;
    private Object[][] memo = NO_MEMO; // pages 1 and up (page 0 is memoFirst)
    private int[][] memoDepth = NO_MEMO_DEPTH;
    private Map<Long, Object[]> sparseMemo; // {value, depth} for far-away indices
    private int memoCount;

    private IdentityHashMap<Object, ObjectConstructor> constructedBy;
    private IdentityHashMap<Object, Long> pendingMemoIndex;

    private int proto;
    private long opStart;
    private int op = NO_OP;
    private static final int NO_OP = PickleException.NO_OPCODE;

    Unpickler(PickleInput in, PickleCodec.Builder settings, List<? extends ByteBuffer> buffers) {
        this(settings);
        this.in = in;
        this.buffers = buffers;
    }

    /** An instance for {@link #reuse}: one per thread and codec, so a small pickle allocates only its values. */
    Unpickler(PickleCodec.Builder settings) {
        this.settings = settings;
        this.limits = settings.limits;
        this.maxDepth = limits.maxDepth();
        this.maxContainer = limits.maxContainerLength();
        this.zeroCopyBytesMin = settings.zeroCopyBytesMin;
        this.maxMemoSize = limits.maxMemoSize();
    }

    // ------------------------------------------------------------------ reuse

    // Kept between calls only while small, so a thread holds at most a few KiB, and nothing
    // decoded: every slot used is cleared after each call, whatever way it ended.
    private static final int KEEP_SLOTS = 256;

    /** Claims this (idle) instance for one pickle in {@code buf[offset, offset+length)}; false if busy. */
    boolean claim() {
        if (inUse) return false; // a decode inside a decode (e.g. an ObjectConstructor calling loads)
        inUse = true;
        return true;
    }

    /** Decodes one pickle with this claimed instance, then clears it for the next call. */
    Object reuse(byte[] buf, int offset, int length, List<? extends ByteBuffer> buffers) {
        try {
            this.in = arrayInput.reset(buf, offset, length);
            // the reference arrays are new for each call (the int arrays are kept): a kept array
            // is soon in the old generation, and every young value stored into it would then take
            // G1's slow write barrier (a StoreLoad fence and a dirty card to refine)
            stack = new Object[8];
            memoFirst = new Object[8];
            if (memoFirstDepth.length < 8) memoFirstDepth = new int[8];
            this.buffers = buffers;
            Object value = load();
            if (arrayInput.remaining() != 0) {
                throw new PickleException(arrayInput.remaining() + " bytes after the STOP opcode", arrayInput.position(),
                        PickleException.NO_OPCODE);
            }
            return value;
        } finally {
            clear();
        }
    }

    private void clear() {
        arrayInput.reset(NO_BYTES, 0, 0);
        in = null;
        buffers = null;
        nextBuffer = 0;
        stack = NO_STACK;
        if (depth.length > KEEP_SLOTS) depth = new int[8];
        sp = 0;
        if (marks.length > KEEP_SLOTS) marks = new int[4];
        mp = 0;
        fence = 0;
        memoFirst = NO_FIRST_PAGE;
        if (memoFirstDepth.length > KEEP_SLOTS) memoFirstDepth = NO_FIRST_PAGE_DEPTH;
        memo = NO_MEMO;
        memoDepth = NO_MEMO_DEPTH;
        sparseMemo = null;
        memoCount = 0;
        constructedBy = null;
        pendingMemoIndex = null;
        proto = 0;
        opStart = 0;
        op = NO_OP;
        inUse = false;
    }

    static Long boxed(long v) {
        return v >= -128 && v < 1024 ? SMALL_LONGS[(int) v + 128] : Long.valueOf(v);
    }

    // ------------------------------------------------------------------ the loop

    Object load() {
        if (in.remaining() != Long.MAX_VALUE && in.remaining() > limits.maxInputBytes()) {
            throw new PickleLimitException("pickle of " + in.remaining() + " bytes exceeds maxInputBytes "
                    + limits.maxInputBytes(), 0, NO_OP);
        }
        try {
            return run();
        } catch (InputEnded e) {
            throw new PickleTruncatedException("pickle data was truncated", opStart, op);
        } catch (PickleException e) {
            if (e.offset() != PickleException.NO_OFFSET) throw e;
            throw relocate(e);
        } catch (StackOverflowError e) {
            throw new PickleLimitException("nesting too deep", opStart, op);
        } catch (RuntimeException e) {
            String what = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
            throw new PickleException("malformed pickle: " + what, opStart, op, e);
        }
    }

    private PickleException relocate(PickleException e) {
        String msg = e.getMessage();
        if (e instanceof PickleTruncatedException) return new PickleTruncatedException(msg, opStart, op);
        if (e instanceof PickleLimitException) return new PickleLimitException(msg, opStart, op);
        if (e instanceof PickleRefusedException) return new PickleRefusedException(msg, opStart, op);
        return new PickleException(msg, opStart, op, e);
    }

    private Object run() {
        final PickleInput in = this.in;
        long frameEnd = Long.MAX_VALUE;
        while (true) {
            long start = in.position();
            // CPython's own pickles write a large payload's header at the end of a frame and the
            // payload after it, so an opcode may end past its frame; only a new FRAME inside an
            // unfinished one is an error (as in pickle.py).
            if (start >= frameEnd) frameEnd = Long.MAX_VALUE;
            opStart = start;
            op = NO_OP;
            int code = in.u8();
            op = code;
            switch (code) {
                case BININT1 -> push(SMALL_LONGS[in.u8() + 128], 0);
                case BININT2 -> push(boxed(in.u16()), 0);
                case BININT -> push(boxed(in.s32()), 0);
                case BINFLOAT -> push(in.f64be(), 0);
                case SHORT_BINUNICODE -> push(in.utf8(in.u8()), 0);
                case BINUNICODE -> push(in.utf8(length(in.s32() & 0xffffffffL)), 0);
                case BINUNICODE8 -> push(in.utf8(length(in.s64())), 0);
                case MEMOIZE -> memoize();
                case BINPUT -> memoPut(in.u8(), peek(), depth[sp - 1]);
                case LONG_BINPUT -> memoPut(in.s32() & 0xffffffffL, peek(), depth[sp - 1]);
                case BINGET -> memoGet(in.u8());
                case LONG_BINGET -> memoGet(in.s32() & 0xffffffffL);
                case MARK -> mark();
                case APPEND -> append();
                case APPENDS -> appends();
                case SETITEM -> setItem();
                case SETITEMS -> setItems();
                case EMPTY_LIST -> push(new ArrayList<>(), 1);
                case EMPTY_DICT -> push(new LinkedHashMap<>(), 1);
                case EMPTY_TUPLE -> push(PyTuple.empty(), 1);
                case TUPLE1 -> tupleOf(1);
                case TUPLE2 -> tupleOf(2);
                case TUPLE3 -> tupleOf(3);
                case TUPLE -> tupleFromMark();
                case NONE -> push(null, 0);
                case NEWTRUE -> push(Boolean.TRUE, 0);
                case NEWFALSE -> push(Boolean.FALSE, 0);
                case SHORT_BINBYTES -> push(bytesOf(in.u8()), 0);
                case BINBYTES -> push(bytesOf(length(in.s32() & 0xffffffffL)), 0);
                case BINBYTES8 -> push(bytesOf(length(in.s64())), 0);
                case BYTEARRAY8 -> push(new PyByteArray(in.bytes(length(in.s64()))), 0);
                case LONG1 -> push(longFromBytes(in.u8()), 0);
                case LONG4 -> push(longFromBytes(length(in.s32())), 0);
                case FRAME -> {
                    long n = in.s64();
                    if (frameEnd != Long.MAX_VALUE) {
                        throw new PickleException("beginning of a new frame before end of current frame", start, code);
                    }
                    in.require(length(n));
                    in.frame(n);
                    frameEnd = in.position() + n;
                }
                case PROTO -> {
                    int p = in.u8();
                    if (p > PickleCodec.HIGHEST_PROTOCOL) throw new PickleException("unsupported pickle protocol: " + p);
                    proto = p;
                }
                case STOP -> {
                    return stop();
                }
                case EMPTY_SET -> push(new LinkedHashSet<>(), 1);
                case ADDITEMS -> addItems();
                case FROZENSET -> frozenSetFromMark();
                case LIST -> listFromMark();
                case DICT -> dictFromMark();
                case POP -> popOp();
                case POP_MARK -> {
                    sp = popMark();
                }
                case DUP -> {
                    if (sp <= fence) throw underflow();
                    push(stack[sp - 1], depth[sp - 1]);
                }
                case STACK_GLOBAL -> stackGlobal();
                case GLOBAL -> global();
                case REDUCE -> reduce();
                case NEWOBJ -> newObj();
                case NEWOBJ_EX -> newObjEx();
                case BUILD -> build();
                case INST -> inst();
                case OBJ -> obj();
                case INT -> intLine();
                case LONG -> longLine();
                case FLOAT -> push(parseFloat(in.line(MAX_LINE)), 0);
                case STRING -> push(python2String(unescapeStringLiteral(in.line(MAX_LINE))), 0);
                case BINSTRING -> push(python2String(in.bytes(length(in.s32()))), 0);
                case SHORT_BINSTRING -> push(python2String(in.bytes(in.u8())), 0);
                case UNICODE -> push(rawUnicodeEscape(in.line(MAX_LINE)), 0);
                case GET -> memoGet(parseIndex(in.line(MAX_LINE)));
                case PUT -> memoPut(parseIndex(in.line(MAX_LINE)), peek(), depth[sp - 1]);
                case EXT1 -> extension(in.u8());
                case EXT2 -> extension(in.u16());
                case EXT4 -> extension(in.s32());
                case PERSID -> persistent(in.line(MAX_LINE));
                case BINPERSID -> persistent(pop());
                case NEXT_BUFFER -> nextBuffer();
                case READONLY_BUFFER -> readOnlyBuffer();
                default -> throw new PickleException("invalid load key, " + Opcodes.describe(code), start, code);
            }
        }
    }

    /** A bytes object: a byte[] copy, or a read-only view at or above the zero-copy length. */
    private Object bytesOf(int n) {
        return n >= zeroCopyBytesMin ? in.view(n) : in.bytes(n);
    }

    // ------------------------------------------------------------------ stack

    private void push(Object value, int d) {
        if (sp == stack.length) growStack();
        stack[sp] = value;
        depth[sp++] = d;
    }

    private void growStack() {
        if ((long) sp >= (long) maxContainer + maxDepth) {
            throw new PickleLimitException("stack larger than maxContainerLength " + maxContainer);
        }
        int n = (int) Math.min(Math.max(8L, (long) stack.length * 2), (long) maxContainer + maxDepth + 1);
        stack = java.util.Arrays.copyOf(stack, n);
        if (depth.length < n) depth = java.util.Arrays.copyOf(depth, n);
    }

    private Object peek() {
        if (sp <= fence) throw underflow();
        return stack[sp - 1];
    }

    private Object pop() {
        if (sp <= fence) throw underflow();
        Object v = stack[--sp];
        stack[sp] = null;
        return v;
    }

    private PickleException underflow() {
        return new PickleException("unpickling stack underflow");
    }

    private void popOp() {
        if (mp > 0 && marks[mp - 1] == sp) {
            popMark();
        } else {
            pop();
        }
    }

    private void mark() {
        if (mp == marks.length) {
            if (mp >= maxContainer + maxDepth) throw new PickleLimitException("too many marks");
            marks = java.util.Arrays.copyOf(marks, mp * 2);
        }
        marks[mp++] = sp;
        fence = sp;
    }

    /** Pops the innermost mark and returns the stack index it marked. */
    private int popMark() {
        if (mp == 0) throw new PickleException("could not find MARK");
        int k = marks[--mp];
        fence = mp > 0 ? marks[mp - 1] : 0;
        return k;
    }

    private int childDepth(int d) {
        int n = d + 1;
        if (n > maxDepth) throw new PickleLimitException("nesting deeper than maxDepth " + maxDepth);
        return n;
    }

    private int maxDepthOf(int from, int to) {
        int d = 0;
        for (int i = from; i < to; i++) if (depth[i] > d) d = depth[i];
        return d;
    }

    private void checkLength(long n) {
        if (n > maxContainer) throw new PickleLimitException("container of " + n + " items exceeds maxContainerLength " + maxContainer);
    }

    /** Validates a declared byte length: non-negative, within limits, within the input left. */
    private int length(long n) {
        if (n < 0) throw new PickleException("negative length " + n);
        if (n > limits.maxInputBytes() || n > Integer.MAX_VALUE - 16) {
            if (n > in.remaining()) throw InputEnded.INSTANCE;
            throw new PickleLimitException("declared length " + n + " exceeds the limits");
        }
        in.require(n);
        return (int) n;
    }

    // ------------------------------------------------------------------ memo

    /**
     * MEMOIZE: the next free index; the common case (first page, room, a plain value) inline,
     * everything else through {@link #memoPut}.
     */
    private void memoize() {
        if (sp <= fence) throw underflow();
        Object value = stack[sp - 1];
        int i = memoCount;
        Object[] page = memoFirst;
        if (i < page.length && i < maxMemoSize && value != null && page[i] == null
                && !(value instanceof PyObject) && constructedBy == null) {
            page[i] = value;
            memoFirstDepth[i] = depth[sp - 1];
            memoCount = i + 1;
            return;
        }
        memoPut(i, value, depth[sp - 1]);
    }

    private void memoPut(long index, Object value, int d) {
        if (index < 0 || index > Integer.MAX_VALUE) throw new PickleException("memo index out of range: " + index);
        int i = (int) index;
        Object stored = value == null ? NONE_IN_MEMO : value;
        if (i < MEMO_PAGE) {
            // the first page: its own field, grown by doubling from 8 (most pickles stop here)
            if (i >= memoFirst.length) growFirstPage(i + 1);
            if (memoFirst[i] == null) countMemo();
            memoFirst[i] = stored;
            memoFirstDepth[i] = d;
        } else if (i < memoCount * 2L + MEMO_PAGE) {
            // dense (paged) while the index stays near the entries so far, so memory follows the
            // number of entries, not the largest index; a far-away index goes to the sparse map
            int p = i >>> MEMO_PAGE_BITS;
            int o = i & (MEMO_PAGE - 1);
            Object[] page = memoPage(p);
            if (page[o] == null) countMemo();
            page[o] = stored;
            memoDepth[p][o] = d;
        } else {
            if (sparseMemo == null) sparseMemo = new HashMap<>();
            if (sparseMemo.put(index, new Object[] {stored, d}) == null) countMemo();
        }
        if (value instanceof PyObject || (constructedBy != null && constructedBy.containsKey(value))) {
            if (pendingMemoIndex == null) pendingMemoIndex = new IdentityHashMap<>();
            pendingMemoIndex.put(value, index);
        }
    }

    private void growFirstPage(int want) {
        int n = Math.min(MEMO_PAGE, Math.max(want, Math.max(8, memoFirst.length * 2)));
        memoFirst = java.util.Arrays.copyOf(memoFirst, n);
        if (memoFirstDepth.length < n) memoFirstDepth = java.util.Arrays.copyOf(memoFirstDepth, n);
    }

    /** Page {@code p} (1 or more), allocated on first use. */
    private Object[] memoPage(int p) {
        if (p >= memo.length) {
            // plain new + arraycopy: Arrays.copyOf of an Object[][] goes through reflection
            int n = Math.max(p + 1, memo.length * 2);
            Object[][] pages = new Object[n][];
            int[][] depths = new int[n][];
            System.arraycopy(memo, 0, pages, 0, memo.length);
            System.arraycopy(memoDepth, 0, depths, 0, memo.length);
            memo = pages;
            memoDepth = depths;
        }
        Object[] page = memo[p];
        if (page == null) {
            memo[p] = page = new Object[MEMO_PAGE];
            memoDepth[p] = new int[MEMO_PAGE];
        }
        return page;
    }

    /** The slot's value, or null; its depth goes to {@link #memoGotDepth}. */
    private Object memoSlot(long index) {
        if (index >= 0 && index < memoFirst.length && memoFirst[(int) index] != null) {
            memoGotDepth = memoFirstDepth[(int) index];
            return memoFirst[(int) index];
        }
        if (index >= MEMO_PAGE && index <= Integer.MAX_VALUE) {
            int i = (int) index;
            int p = i >>> MEMO_PAGE_BITS;
            int o = i & (MEMO_PAGE - 1);
            if (p < memo.length && memo[p] != null && memo[p][o] != null) {
                memoGotDepth = memoDepth[p][o];
                return memo[p][o];
            }
        }
        if (sparseMemo != null) {
            Object[] e = sparseMemo.get(index);
            if (e != null) {
                memoGotDepth = (Integer) e[1];
                return e[0];
            }
        }
        return null;
    }

    private int memoGotDepth;

    private void countMemo() {
        if (memoCount >= limits.maxMemoSize()) throw new PickleLimitException("memo larger than maxMemoSize " + limits.maxMemoSize());
        memoCount++;
    }

    private void memoGet(long index) {
        Object v = memoSlot(index);
        if (v == null) throw new PickleException("memo value not found at index " + index);
        push(v == NONE_IN_MEMO ? null : v, memoGotDepth);
    }

    private void memoReplace(Object old, Object replacement) {
        if (pendingMemoIndex == null) return;
        Long index = pendingMemoIndex.remove(old);
        if (index == null) return;
        long i = index;
        if (memoSlot(i) != old) return;
        int p = (int) (i >>> MEMO_PAGE_BITS);
        int o = (int) (i & (MEMO_PAGE - 1));
        if (i < memoFirst.length && memoFirst[(int) i] == old) {
            memoFirst[(int) i] = replacement;
        } else if (i >= MEMO_PAGE && i <= Integer.MAX_VALUE && p < memo.length && memo[p] != null && memo[p][o] == old) {
            memo[p][o] = replacement;
        } else if (sparseMemo != null) {
            Object[] e = sparseMemo.get(i);
            if (e != null && e[0] == old) e[0] = replacement;
        }
    }

    private static long parseIndex(String line) {
        try {
            return Long.parseLong(line.trim());
        } catch (NumberFormatException e) {
            throw new PickleException("invalid memo index: " + abbreviate(line));
        }
    }

    // ------------------------------------------------------------------ numbers

    private Object longFromBytes(int n) {
        if (n == 0) return SMALL_LONGS[128];
        if (n <= 8) {
            byte[] b = in.bytes(n);
            long v = b[n - 1]; // sign-extend the top byte
            for (int i = n - 2; i >= 0; i--) v = (v << 8) | (b[i] & 0xff);
            return boxed(v);
        }
        if (n * 2.408 > limits.maxBigIntDigits() + 3) {
            throw new PickleLimitException("int of " + n + " bytes exceeds maxBigIntDigits " + limits.maxBigIntDigits());
        }
        byte[] le = in.bytes(n);
        byte[] be = new byte[n];
        for (int i = 0; i < n; i++) be[i] = le[n - 1 - i];
        return normalize(new BigInteger(be));
    }

    static Object normalize(BigInteger v) {
        return v.bitLength() < 64 ? (Object) boxed(v.longValue()) : v;
    }

    private void intLine() {
        String s = in.line(MAX_LINE);
        if (s.equals("00")) push(Boolean.FALSE, 0);
        else if (s.equals("01")) push(Boolean.TRUE, 0);
        else push(parseInt(s), 0);
    }

    private void longLine() {
        String s = in.line(MAX_LINE);
        if (s.endsWith("L")) s = s.substring(0, s.length() - 1);
        push(parseInt(s), 0);
    }

    private Object parseInt(String s) {
        String t = s.trim();
        if (t.length() > limits.maxBigIntDigits() + 1) {
            throw new PickleLimitException("int of " + t.length() + " digits exceeds maxBigIntDigits " + limits.maxBigIntDigits());
        }
        try {
            if (t.length() < 19) return boxed(Long.parseLong(t));
            return normalize(new BigInteger(t));
        } catch (NumberFormatException e) {
            throw new PickleException("invalid literal for int(): " + abbreviate(s));
        }
    }

    static double parseFloat(String s) {
        String t = s.trim().toLowerCase(java.util.Locale.ROOT);
        switch (t) {
            case "nan", "+nan", "-nan" -> { return Double.NaN; }
            case "inf", "+inf", "infinity", "+infinity" -> { return Double.POSITIVE_INFINITY; }
            case "-inf", "-infinity" -> { return Double.NEGATIVE_INFINITY; }
            default -> { }
        }
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == '+' || c == '-' || c == '_')) {
                throw new PickleException("could not convert string to float: " + abbreviate(s));
            }
        }
        try {
            return Double.parseDouble(t.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new PickleException("could not convert string to float: " + abbreviate(s));
        }
    }

    // ------------------------------------------------------------------ strings

    private Object python2String(byte[] bytes) {
        String encoding = settings.python2StringEncoding;
        if (encoding.equalsIgnoreCase("bytes")) return bytes;
        if (Utf8.isAscii(bytes, 0, bytes.length)) return new String(bytes, StandardCharsets.ISO_8859_1);
        try {
            if (encoding.equalsIgnoreCase("utf-8") || encoding.equalsIgnoreCase("utf8")) {
                return Utf8.decode(bytes, 0, bytes.length);
            }
            Charset cs = Charset.forName(encoding);
            return cs.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException | IllegalArgumentException e) {
            throw new PickleException("cannot decode Python 2 str with encoding '" + encoding
                    + "' (use python2StringEncoding(\"latin1\") or \"bytes\")");
        }
    }

    /** A protocol 0 STRING argument: a quoted Python 2 literal with backslash escapes. */
    static byte[] unescapeStringLiteral(String line) {
        String s = line;
        if (s.length() < 2 || s.charAt(0) != s.charAt(s.length() - 1) || (s.charAt(0) != '\'' && s.charAt(0) != '"')) {
            throw new PickleException("the STRING opcode argument must be quoted");
        }
        s = s.substring(1, s.length() - 1);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\' || i + 1 == s.length()) {
                out.write(c);
                continue;
            }
            char e = s.charAt(++i);
            switch (e) {
                case 'n' -> out.write('\n');
                case 't' -> out.write('\t');
                case 'r' -> out.write('\r');
                case 'a' -> out.write(7);
                case 'b' -> out.write('\b');
                case 'f' -> out.write('\f');
                case 'v' -> out.write(11);
                case '\\', '\'', '"' -> out.write(e);
                case '\n' -> { }
                case 'x' -> {
                    if (i + 2 >= s.length()) throw new PickleException("invalid \\x escape");
                    out.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
                    i += 2;
                }
                default -> {
                    if (e >= '0' && e <= '7') {
                        int v = e - '0';
                        for (int k = 0; k < 2 && i + 1 < s.length() && s.charAt(i + 1) >= '0' && s.charAt(i + 1) <= '7'; k++) {
                            v = v * 8 + (s.charAt(++i) - '0');
                        }
                        out.write(v & 0xff);
                    } else {
                        out.write('\\');
                        out.write(e);
                    }
                }
            }
        }
        return out.toByteArray();
    }

    /** A protocol 0 UNICODE argument: raw-unicode-escape (only \\uXXXX and \\UXXXXXXXX escape). */
    static String rawUnicodeEscape(String line) {
        if (line.indexOf('\\') < 0) return line;
        StringBuilder sb = new StringBuilder(line.length());
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\' && i + 1 < line.length() && (line.charAt(i + 1) == 'u' || line.charAt(i + 1) == 'U')) {
                // an odd run of backslashes escapes; "\\\\u" is a literal backslash then 'u'
                int run = 0;
                for (int j = i - 1; j >= 0 && line.charAt(j) == '\\'; j--) run++;
                if (run % 2 == 0) {
                    int digits = line.charAt(i + 1) == 'u' ? 4 : 8;
                    if (i + 2 + digits > line.length()) throw new PickleException("truncated \\uXXXX escape");
                    int cp = Integer.parseUnsignedInt(line.substring(i + 2, i + 2 + digits), 16);
                    if (cp > 0x10ffff || cp < 0) throw new PickleException("\\U escape out of range");
                    sb.appendCodePoint(cp);
                    i += 1 + digits;
                    continue;
                }
            }
            sb.append(c);
        }
        return sb.toString();
    }

    static String abbreviate(Object s) {
        String t = String.valueOf(s);
        return t.length() > 60 ? t.substring(0, 60) + "..." : t;
    }

    // ------------------------------------------------------------------ containers

    private void tupleOf(int n) {
        if (sp - fence < n) throw underflow();
        Object[] items = new Object[n];
        int d = 0;
        for (int i = n - 1; i >= 0; i--) {
            items[i] = stack[--sp];
            if (depth[sp] > d) d = depth[sp];
            stack[sp] = null;
        }
        push(PyTuple.wrap(items), childDepth(d));
    }

    private void tupleFromMark() {
        int k = popMark();
        int n = sp - k;
        checkLength(n);
        Object[] items = new Object[n];
        System.arraycopy(stack, k, items, 0, n);
        int d = childDepth(maxDepthOf(k, sp));
        clearTo(k);
        push(PyTuple.wrap(items), d);
    }

    private void clearTo(int k) {
        java.util.Arrays.fill(stack, k, sp, null);
        sp = k;
    }

    private void listFromMark() {
        int k = popMark();
        int n = sp - k;
        checkLength(n);
        ArrayList<Object> list = new ArrayList<>(n);
        for (int i = k; i < sp; i++) list.add(stack[i]);
        int d = childDepth(maxDepthOf(k, sp));
        clearTo(k);
        push(list, d);
    }

    private void dictFromMark() {
        int k = popMark();
        int n = sp - k;
        if ((n & 1) != 0) throw new PickleException("odd number of items for DICT");
        checkLength(n / 2);
        LinkedHashMap<Object, Object> map = new LinkedHashMap<>(Math.max(16, (int) (n / 2 / 0.75f) + 1));
        for (int i = k; i < sp; i += 2) {
            Hashability.require(stack[i]);
            map.put(stack[i], stack[i + 1]);
        }
        int d = childDepth(maxDepthOf(k, sp));
        clearTo(k);
        push(map, d);
    }

    private void frozenSetFromMark() {
        int k = popMark();
        int n = sp - k;
        checkLength(n);
        LinkedHashSet<Object> set = new LinkedHashSet<>(Math.max(16, (int) (n / 0.75f) + 1));
        for (int i = k; i < sp; i++) {
            Hashability.require(stack[i]);
            set.add(stack[i]);
        }
        int d = childDepth(maxDepthOf(k, sp));
        clearTo(k);
        push(PyFrozenSet.wrap(set), d);
    }

    @SuppressWarnings("unchecked")
    private void append() {
        Object item = pop();
        int itemDepth = depth[sp];
        Object target = peek();
        int d = childDepth(itemDepth);
        if (target instanceof ArrayList<?> list) {
            if (list.size() >= maxContainer) checkLength(list.size() + 1L);
            ((ArrayList<Object>) list).add(item);
        } else if (target instanceof PyObject object) {
            object.listItems().add(item);
        } else if (target instanceof List<?> list) {
            ((List<Object>) list).add(item);
        } else {
            throw new PickleException("APPEND to a " + typeName(target));
        }
        if (d > depth[sp - 1]) depth[sp - 1] = d;
    }

    /**
     * The capacity to ensure for a list about to hold {@code n} items: n itself while small, then
     * the next power of two, so a list built by many APPENDS batches is copied about half as
     * often as ArrayList's own 1.5x growth copies it (for 1M items: 2M slots copied and 8 MiB of
     * arrays allocated in all, against 4.4M slots and 17.7 MiB).
     */
    private static int capacityFor(int n) {
        if (n <= 4096) return n;
        int p = Integer.highestOneBit(n - 1) << 1;
        return p > 0 ? p : n;
    }

    @SuppressWarnings("unchecked")
    private void appends() {
        int k = popMark();
        if (k - 1 < fence) throw underflow();
        Object target = stack[k - 1];
        int n = sp - k;
        List<Object> list;
        if (target instanceof ArrayList<?> a) {
            list = (List<Object>) a;
            checkLength((long) a.size() + n);
            ((ArrayList<Object>) a).ensureCapacity(capacityFor(a.size() + n));
        } else if (target instanceof PyObject object) {
            list = object.listItems();
        } else if (target instanceof List<?> l) {
            list = (List<Object>) l;
        } else {
            throw new PickleException("APPENDS to a " + typeName(target));
        }
        int d = depth[k - 1];
        for (int i = k; i < sp; i++) {
            list.add(stack[i]);
            if (depth[i] >= d) d = childDepth(depth[i]);
        }
        clearTo(k);
        depth[k - 1] = d;
    }

    @SuppressWarnings("unchecked")
    private void setItem() {
        Object value = pop();
        int vd = depth[sp];
        Object key = pop();
        int kd = depth[sp];
        Object target = peek();
        Map<Object, Object> map = mapOf(target);
        Hashability.require(key);
        if (map.size() >= maxContainer) checkLength(map.size() + 1L);
        map.put(key, value);
        int d = childDepth(Math.max(vd, kd));
        if (d > depth[sp - 1]) depth[sp - 1] = d;
    }

    private void setItems() {
        int k = popMark();
        if (k - 1 < fence) throw underflow();
        Object target = stack[k - 1];
        int n = sp - k;
        if ((n & 1) != 0) throw new PickleException("odd number of items for SETITEMS");
        Map<Object, Object> map = mapOf(target);
        checkLength((long) map.size() + n / 2);
        int d = depth[k - 1];
        for (int i = k; i < sp; i += 2) {
            Hashability.require(stack[i]);
            map.put(stack[i], stack[i + 1]);
            int cd = Math.max(depth[i], depth[i + 1]);
            if (cd >= d) d = childDepth(cd);
        }
        clearTo(k);
        depth[k - 1] = d;
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> mapOf(Object target) {
        if (target instanceof Map<?, ?> m) return (Map<Object, Object>) m;
        if (target instanceof PyObject object) return object.dictItems();
        throw new PickleException("SETITEM on a " + typeName(target));
    }

    @SuppressWarnings("unchecked")
    private void addItems() {
        int k = popMark();
        if (k - 1 < fence) throw underflow();
        Object target = stack[k - 1];
        if (!(target instanceof Set<?> s) || target instanceof PyFrozenSet) {
            throw new PickleException("ADDITEMS to a " + typeName(target));
        }
        Set<Object> set = (Set<Object>) s;
        checkLength((long) set.size() + sp - k);
        int d = depth[k - 1];
        for (int i = k; i < sp; i++) {
            Hashability.require(stack[i]);
            set.add(stack[i]);
            if (depth[i] >= d) d = childDepth(depth[i]);
        }
        clearTo(k);
        depth[k - 1] = d;
    }

    static String typeName(Object o) {
        if (o == null) return "NoneType";
        if (o instanceof PyObject p) return p.type().qualifiedName();
        if (o instanceof PyGlobal g) return "global " + g.qualifiedName();
        return o.getClass().getSimpleName();
    }

    // ------------------------------------------------------------------ globals and objects

    private void global() {
        String module = in.line(MAX_LINE);
        String name = in.line(MAX_LINE);
        push(resolveName(decodeName(module), decodeName(name)), 0);
    }

    private static String decodeName(String latin1) {
        byte[] b = latin1.getBytes(StandardCharsets.ISO_8859_1);
        return Utf8.decode(b, 0, b.length);
    }

    private void stackGlobal() {
        Object name = pop();
        Object module = pop();
        if (!(name instanceof String n) || !(module instanceof String m)) {
            throw new PickleException("STACK_GLOBAL requires str");
        }
        push(resolveName(m, n), 0);
    }

    private PyGlobal resolveName(String module, String name) {
        if (proto < 3) return LegacyNames.toPython3(module, name);
        return new PyGlobal(module, name);
    }

    private void reduce() {
        Object args = pop();
        int ad = depth[sp];
        Object callable = pop();
        if (!(args instanceof PyTuple tuple)) throw new PickleException("REDUCE arguments must be a tuple, not " + typeName(args));
        if (callable instanceof PyObject partial && tuple.isEmpty()) {
            Object made = partialNew(partial);
            if (made != null) {
                push(made, childDepth(Math.max(ad, depth[sp])));
                return;
            }
        }
        push(call(callable, PyObject.Construction.REDUCE, tuple, null), childDepth(ad));
    }

    /**
     * {@code functools.partial(cls.__new__, cls, *args, **kwargs)()}: how CPython writes
     * {@code copyreg.__newobj_ex__} (a keyword-only {@code __new__}) below protocol 4. Exactly
     * that shape is read as NEWOBJ_EX of {@code cls} (nothing is called); anything else, null.
     */
    private Object partialNew(PyObject p) {
        PyGlobal type = p.type();
        if (!(type.qualname().equals("partial") && (type.module().equals("functools") || type.module().equals("_functools")))
                || p.construction() != PyObject.Construction.REDUCE || p.args().size() != 1
                || !(p.args().get(0) instanceof PyGlobal fn) || !p.hasState() || !p.listItems().isEmpty()
                || !p.dictItems().isEmpty() || !(p.state() instanceof PyTuple state) || state.size() != 4
                || !fn.equals(state.get(0)) || !(state.get(1) instanceof PyTuple all) || all.isEmpty()
                || !(all.get(0) instanceof PyGlobal cls) || !cls.module().equals(fn.module())
                || !fn.qualname().equals(cls.qualname() + ".__new__")
                || !(state.get(2) == null || state.get(2) instanceof Map)
                || !(state.get(3) == null || state.get(3) instanceof Map<?, ?> d && d.isEmpty())) {
            return null;
        }
        Map<String, Object> named = new LinkedHashMap<>();
        if (state.get(2) instanceof Map<?, ?> kw) {
            for (Map.Entry<?, ?> e : kw.entrySet()) {
                if (!(e.getKey() instanceof String key)) throw new PickleException("partial keyword names must be str");
                named.put(key, e.getValue());
            }
        }
        return call(cls, PyObject.Construction.NEWOBJ_EX, PyTuple.wrap(all.subList(1, all.size()).toArray()), named);
    }

    private void newObj() {
        Object args = pop();
        int ad = depth[sp];
        Object cls = pop();
        if (!(args instanceof PyTuple tuple)) throw new PickleException("NEWOBJ expected a tuple of arguments, not " + typeName(args));
        push(call(cls, PyObject.Construction.NEWOBJ, tuple, null), childDepth(ad));
    }

    @SuppressWarnings("unchecked")
    private void newObjEx() {
        Object kwargs = pop();
        int kd = depth[sp];
        Object args = pop();
        int ad = depth[sp];
        Object cls = pop();
        if (!(args instanceof PyTuple tuple)) throw new PickleException("NEWOBJ_EX args must be a tuple, not " + typeName(args));
        if (!(kwargs instanceof Map<?, ?> map)) throw new PickleException("NEWOBJ_EX kwargs must be a dict, not " + typeName(kwargs));
        Map<String, Object> named = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!(e.getKey() instanceof String key)) throw new PickleException("NEWOBJ_EX keyword names must be str");
            named.put(key, e.getValue());
        }
        push(call(cls, PyObject.Construction.NEWOBJ_EX, tuple, named), childDepth(Math.max(kd, ad)));
    }

    private void inst() {
        String module = in.line(MAX_LINE);
        String name = in.line(MAX_LINE);
        PyGlobal cls = resolveName(decodeName(module), decodeName(name));
        int k = popMark();
        PyTuple args = PyTuple.wrap(java.util.Arrays.copyOfRange(stack, k, sp));
        int d = childDepth(maxDepthOf(k, sp));
        clearTo(k);
        push(instantiate(cls, args), d);
    }

    /**
     * INST / OBJ: a known global is built as by NEWOBJ (no arguments: no __init__) or REDUCE; an
     * unknown class becomes a PyObject that remembers the OBJ form, so it is written back the way
     * Python 2 can rebuild a classic-class instance.
     */
    private Object instantiate(Object cls, PyTuple args) {
        return call(cls, instForm(args), args, null, PyObject.Construction.OBJ);
    }

    /** INST / OBJ without arguments create the object without calling __init__, as NEWOBJ does. */
    private static PyObject.Construction instForm(PyTuple args) {
        return args.isEmpty() ? PyObject.Construction.NEWOBJ : PyObject.Construction.REDUCE;
    }

    private void obj() {
        int k = popMark();
        if (sp - k < 1) throw underflow();
        Object cls = stack[k];
        PyTuple args = PyTuple.wrap(java.util.Arrays.copyOfRange(stack, k + 1, sp));
        int d = childDepth(maxDepthOf(k, sp));
        clearTo(k);
        push(instantiate(cls, args), d);
    }

    private Object call(Object callable, PyObject.Construction form, PyTuple args, Map<String, Object> kwargs) {
        return call(callable, form, args, kwargs, form);
    }

    /** Calls through the allow-list as {@code form}; an unknown class becomes a PyObject recorded as {@code recordAs}. */
    private Object call(Object callable, PyObject.Construction form, PyTuple args, Map<String, Object> kwargs,
            PyObject.Construction recordAs) {
        if (!(callable instanceof PyGlobal g)) {
            throw new PickleRefusedException("cannot call a " + typeName(callable) + ": only named globals are callable");
        }
        if (g.module().equals("copyreg")) {
            // copyreg.__newobj__(cls, *args) and __newobj_ex__(cls, args, kwargs) are NEWOBJ / NEWOBJ_EX spelt as REDUCE
            if (g.qualname().equals("__newobj__") && form == PyObject.Construction.REDUCE && args.size() >= 1) {
                return call(args.get(0), PyObject.Construction.NEWOBJ, PyTuple.wrap(args.subList(1, args.size()).toArray()), null);
            }
            if (g.qualname().equals("__newobj_ex__") && form == PyObject.Construction.REDUCE && args.size() == 3
                    && args.get(1) instanceof PyTuple a && args.get(2) instanceof Map<?, ?> kw) {
                Map<String, Object> named = new LinkedHashMap<>();
                for (Map.Entry<?, ?> e : kw.entrySet()) named.put(String.valueOf(e.getKey()), e.getValue());
                return call(args.get(0), PyObject.Construction.NEWOBJ_EX, a, named);
            }
        }
        ObjectConstructor custom = settings.constructors.get(g);
        if (custom != null) {
            Object made = custom.construct(args, kwargs == null ? Map.of() : kwargs);
            if (made != null) {
                if (constructedBy == null) constructedBy = new IdentityHashMap<>();
                constructedBy.put(made, custom);
            }
            return made;
        }
        Object known = KnownGlobals.construct(g, form, args, kwargs);
        if (known != KnownGlobals.UNKNOWN) return known;
        String refusal = DangerousCallables.reasonToRefuse(g);
        if (refusal != null) {
            throw new PickleRefusedException("refused to call " + g.qualifiedName() + ": " + refusal);
        }
        return new PyObject(g, recordAs, args, kwargs);
    }

    private void build() {
        Object state = pop();
        int sd = depth[sp];
        Object target = peek();
        Object result = target;
        if (constructedBy != null && constructedBy.containsKey(target)) {
            result = constructedBy.get(target).setState(target, state);
        } else if (target instanceof PyObject object) {
            Object upgraded = KnownGlobals.build(object, state);
            if (upgraded != null) {
                result = upgraded;
            } else {
                object.setState(state);
            }
        } else if (state != null && !(state instanceof Map<?, ?> m && m.isEmpty())) {
            throw new PickleException("BUILD state for a " + typeName(target) + " is not supported");
        }
        if (result != target) {
            stack[sp - 1] = result;
            memoReplace(target, result);
        }
        int d = childDepth(sd);
        if (d > depth[sp - 1]) depth[sp - 1] = d;
    }

    private void extension(int code) {
        if (settings.extensionResolver == null) {
            throw new PickleRefusedException("EXT opcodes are refused: no extensionResolver registered (code " + code + ")");
        }
        PyGlobal g = settings.extensionResolver.apply(code);
        if (g == null) throw new PickleException("unregistered extension code " + code);
        push(g, 0);
    }

    private void persistent(Object id) {
        if (settings.persistentLoader == null) {
            throw new PickleRefusedException("persistent IDs are refused: no persistentLoader registered");
        }
        push(settings.persistentLoader.apply(id), 1);
    }

    private void nextBuffer() {
        if (buffers == null || nextBuffer >= buffers.size()) {
            throw new PickleException("pickle stream refers to out-of-band data but no (or too few) buffers were given");
        }
        ByteBuffer b = buffers.get(nextBuffer++).duplicate();
        if (b.hasArray() && b.arrayOffset() == 0 && b.position() == 0 && b.remaining() == b.array().length) {
            // a whole writable array: hand it over as Python hands over the buffer object (no copy)
            push(new PyByteArray(b.array()), 0);
            return;
        }
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        push(new PyByteArray(bytes), 0);
    }

    private void readOnlyBuffer() {
        Object top = peek();
        if (top instanceof PyByteArray b) stack[sp - 1] = b.bytes();
    }

    private Object stop() {
        Object value = pop();
        return value;
    }

    static boolean isCollection(Object o) {
        return o instanceof Collection || o instanceof Map;
    }
}
