package io.picklebridge.pickle;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * The codec: reads pickles of protocols 0-5 and writes protocols 2-5, safely. Immutable and
 * thread-safe once built; share one instance. Nothing outside the codec's allow-list is ever
 * loaded or run: unknown globals become {@link PyObject} values that round-trip.
 *
 * <pre>{@code
 * PickleCodec codec = PickleCodec.defaults();
 * Object value = codec.loads(bytesFromPython);          // e.g. PyTuple, ArrayList, LinkedHashMap...
 * byte[] reply = codec.dumps(PyTuple.of("result", 7L, value));
 * }</pre>
 *
 * See {@code docs/types.md} for the type table (both directions).
 */
public final class PickleCodec {
    /** The protocol {@link #dumps(Object)} writes unless told otherwise. */
    public static final int DEFAULT_PROTOCOL = 5;
    /** The highest protocol read and written. */
    public static final int HIGHEST_PROTOCOL = 5;

    private static final PickleCodec DEFAULTS = builder().build();

    private final Builder settings;
    // One Unpickler per thread, reused: its stack and memo arrays are cleared, not reallocated,
    // after each call (a small pickle then allocates only the values it decodes).
    private final ThreadLocal<Unpickler> idleUnpickler;

    private PickleCodec(Builder settings) {
        this.settings = settings.copy();
        Builder fixed = this.settings;
        this.idleUnpickler = ThreadLocal.withInitial(() -> new Unpickler(fixed));
    }

    /** A codec with default limits, protocol 5 and no custom types. */
    public static PickleCodec defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this codec's settings, to derive a variant. */
    public Builder toBuilder() {
        return settings.copy();
    }

    public PickleLimits limits() {
        return settings.limits;
    }

    public int protocol() {
        return settings.protocol;
    }

    // ---------------------------------------------------------------- decoding

    /** Decodes one pickle; bytes after its STOP opcode are an error. */
    public Object loads(byte[] pickle) {
        return loads(pickle, 0, pickle.length);
    }

    /** Decodes one pickle from {@code pickle[offset, offset+length)} without copying it. */
    public Object loads(byte[] pickle, int offset, int length) {
        java.util.Objects.checkFromIndexSize(offset, length, pickle.length);
        return loadArray(pickle, offset, length, null);
    }

    /** Decodes from an array with this thread's idle Unpickler of this codec (a new one if it is busy). */
    private Object loadArray(byte[] pickle, int offset, int length, List<? extends ByteBuffer> buffers) {
        Unpickler u = idleUnpickler.get();
        if (!u.claim()) {
            u = new Unpickler(settings);
            u.claim();
        }
        return u.reuse(pickle, offset, length, buffers);
    }

    private Object loadAll(PickleInput in, List<? extends ByteBuffer> buffers) {
        Object value = new Unpickler(in, settings, buffers).load();
        if (in.remaining() != 0) {
            throw new PickleException(in.remaining() + " bytes after the STOP opcode", in.position(), PickleException.NO_OPCODE);
        }
        return value;
    }

    /**
     * Decodes one pickle from the buffer's remaining bytes (heap or direct) without copying it;
     * the buffer's position is left unchanged. Netty callers pass {@code byteBuf.nioBuffer()}.
     */
    public Object loads(ByteBuffer pickle) {
        return loads(pickle, null);
    }

    /** As {@link #loads(ByteBuffer)}, with the out-of-band buffers NEXT_BUFFER refers to, in order. */
    public Object loads(ByteBuffer pickle, List<? extends ByteBuffer> outOfBandBuffers) {
        if (pickle.hasArray()) {
            return loadArray(pickle.array(), pickle.arrayOffset() + pickle.position(), pickle.remaining(), outOfBandBuffers);
        }
        return loadAll(new BufferInput(pickle), outOfBandBuffers);
    }

    /**
     * Reads exactly one pickle from the stream, stopping right after its STOP opcode, so that
     * pickles written back to back can be read by calling this repeatedly.
     *
     * @throws PickleException also for a stream that ends inside a pickle
     */
    public Object load(InputStream in) {
        java.util.Objects.requireNonNull(in, "in");
        return new Unpickler(new StreamInput(in, settings.limits.maxInputBytes()), settings, null).load();
    }

    // ---------------------------------------------------------------- encoding

    /** Encodes at this codec's protocol (default 5). */
    public byte[] dumps(Object value) {
        return dumps(value, settings.protocol);
    }

    /** Encodes at the given protocol (2 to 5). */
    public byte[] dumps(Object value, int protocol) {
        return new Pickler(protocol, settings, null, null).dump(value);
    }

    /** Encodes at protocol 5 (or given), offering large buffers out of band to the callback. */
    public byte[] dumps(Object value, int protocol, BufferCallback outOfBand) {
        return new Pickler(protocol, settings, outOfBand, null).dump(value);
    }

    /** Encodes to a stream. */
    public void dump(Object value, int protocol, OutputStream out) {
        java.util.Objects.requireNonNull(out, "out");
        new Pickler(protocol, settings, null, out).dump(value);
    }

    /**
     * Settings for a {@link PickleCodec}. Not thread-safe; {@link #build()} takes a snapshot.
     */
    public static final class Builder {
        PickleLimits limits = PickleLimits.defaults();
        int protocol = DEFAULT_PROTOCOL;
        String python2StringEncoding = "ASCII";
        int zeroCopyBytesMin = Integer.MAX_VALUE;
        final java.util.Map<PyGlobal, ObjectConstructor> constructors = new java.util.LinkedHashMap<>();
        final java.util.Map<Class<?>, Reducer<?>> reducers = new java.util.LinkedHashMap<>();
        IntFunction<PyGlobal> extensionResolver;
        Function<Object, Object> persistentLoader;

        private Builder() {}

        public Builder limits(PickleLimits limits) {
            this.limits = java.util.Objects.requireNonNull(limits, "limits");
            return this;
        }

        /** Protocol written by {@link PickleCodec#dumps(Object)}: 2, 3, 4 or 5. */
        public Builder protocol(int protocol) {
            if (protocol < 2 || protocol > HIGHEST_PROTOCOL) {
                throw new IllegalArgumentException("protocol must be 2 to " + HIGHEST_PROTOCOL + ", got " + protocol);
            }
            this.protocol = protocol;
            return this;
        }

        /**
         * How Python 2 {@code str} (STRING, BINSTRING, SHORT_BINSTRING) decodes, as Python's
         * {@code pickle.loads(..., encoding=)}: a charset name ({@code "ASCII"}, the default,
         * {@code "latin1"}, {@code "utf-8"}) giving a String, or {@code "bytes"} giving byte[].
         */
        public Builder python2StringEncoding(String encoding) {
            this.python2StringEncoding = java.util.Objects.requireNonNull(encoding, "encoding");
            return this;
        }

        /**
         * Opt-in zero copy for large {@code bytes}: a bytes object of at least {@code minLength}
         * bytes decodes as a read-only {@link ByteBuffer} view of the input (position 0, limit
         * its length) instead of a {@code byte[]} copy; shorter ones stay {@code byte[]}. Off by
         * default (every bytes object is a {@code byte[]}, as the type table says).
         *
         * <p><b>Lifetime:</b> the view shares the input's memory. It is valid only while the
         * array or buffer given to {@code loads} is neither modified nor reused, and for a
         * Netty {@code ByteBuf} only until the buffer is released: copy what must outlive it.
         * {@link PickleCodec#load(java.io.InputStream)} reads into a private copy, so its views
         * are always safe. The Pickler writes any {@code ByteBuffer} (its remaining bytes) as
         * {@code bytes}, so a decoded view echoes back unchanged.
         *
         * <pre>{@code
         * PickleCodec codec = PickleCodec.builder().zeroCopyBytes(1 << 20).build();
         * ByteBuffer blob = (ByteBuffer) codec.loads(frame);   // a 64 MiB bytes: no copy
         * }</pre>
         */
        public Builder zeroCopyBytes(int minLength) {
            if (minLength < 0) throw new IllegalArgumentException("minLength must be >= 0, got " + minLength);
            this.zeroCopyBytesMin = minLength;
            return this;
        }

        /** Allows a Python global and builds it with the given constructor. */
        public Builder constructor(String module, String qualname, ObjectConstructor constructor) {
            constructors.put(new PyGlobal(module, qualname), java.util.Objects.requireNonNull(constructor));
            return this;
        }

        /** Writes values of the given Java type (and subtypes) through the reducer. */
        public <T> Builder reducer(Class<T> type, Reducer<? super T> reducer) {
            reducers.put(type, java.util.Objects.requireNonNull(reducer));
            return this;
        }

        /** Resolves EXT1/EXT2/EXT4 codes (copyreg's extension registry); refused without one. */
        public Builder extensionResolver(IntFunction<PyGlobal> resolver) {
            this.extensionResolver = resolver;
            return this;
        }

        /** Resolves PERSID/BINPERSID ids (Python's persistent_load); refused without one. */
        public Builder persistentLoader(Function<Object, Object> loader) {
            this.persistentLoader = loader;
            return this;
        }

        public PickleCodec build() {
            return new PickleCodec(this);
        }

        Builder copy() {
            Builder b = new Builder();
            b.limits = limits;
            b.protocol = protocol;
            b.python2StringEncoding = python2StringEncoding;
            b.zeroCopyBytesMin = zeroCopyBytesMin;
            b.constructors.putAll(constructors);
            b.reducers.putAll(reducers);
            b.extensionResolver = extensionResolver;
            b.persistentLoader = persistentLoader;
            return b;
        }
    }
}
