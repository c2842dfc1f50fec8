package io.picklebridge.pickle;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A cursor over {@code array[offset, offset+length)}, read in place (heap ByteBuffers too). */
final class ArrayInput extends PickleInput {
    private static final VarHandle SHORTS = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INTS = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle DOUBLES_BE = MethodHandles.byteArrayViewVarHandle(double[].class, ByteOrder.BIG_ENDIAN);

    private byte[] buf;
    private int start;
    private int end;
    private int pos;

    ArrayInput(byte[] buf, int offset, int length) {
        reset(buf, offset, length);
    }

    /** Points this cursor at another array range (for a reused Unpickler). */
    ArrayInput reset(byte[] buf, int offset, int length) {
        this.buf = buf;
        this.start = offset;
        this.pos = offset;
        this.end = offset + length;
        return this;
    }

    @Override
    long position() {
        return pos - start;
    }

    @Override
    long remaining() {
        return end - pos;
    }

    @Override
    int u8() {
        if (pos >= end) throw InputEnded.INSTANCE;
        return buf[pos++] & 0xff;
    }

    @Override
    int u16() {
        if (end - pos < 2) throw InputEnded.INSTANCE;
        int v = (short) SHORTS.get(buf, pos) & 0xffff;
        pos += 2;
        return v;
    }

    @Override
    int s32() {
        if (end - pos < 4) throw InputEnded.INSTANCE;
        int v = (int) INTS.get(buf, pos);
        pos += 4;
        return v;
    }

    @Override
    long s64() {
        if (end - pos < 8) throw InputEnded.INSTANCE;
        long v = (long) LONGS.get(buf, pos);
        pos += 8;
        return v;
    }

    @Override
    double f64be() {
        if (end - pos < 8) throw InputEnded.INSTANCE;
        double v = (double) DOUBLES_BE.get(buf, pos);
        pos += 8;
        return v;
    }

    @Override
    byte[] bytes(int n) {
        if (n < 0 || end - pos < n) throw InputEnded.INSTANCE;
        byte[] out = Arrays.copyOfRange(buf, pos, pos + n);
        pos += n;
        return out;
    }

    @Override
    java.nio.ByteBuffer view(int n) {
        if (n < 0 || end - pos < n) throw InputEnded.INSTANCE;
        java.nio.ByteBuffer out = java.nio.ByteBuffer.wrap(buf, pos, n).slice().asReadOnlyBuffer();
        pos += n;
        return out;
    }

    @Override
    String utf8(int n) {
        if (n < 0 || end - pos < n) throw InputEnded.INSTANCE;
        String s = Utf8.decode(buf, pos, n);
        pos += n;
        return s;
    }

    @Override
    String latin1(int n) {
        if (n < 0 || end - pos < n) throw InputEnded.INSTANCE;
        String s = new String(buf, pos, n, StandardCharsets.ISO_8859_1);
        pos += n;
        return s;
    }

    @Override
    String line(int maxLength) {
        int limit = (int) Math.min(end, (long) pos + maxLength + 1);
        for (int i = pos; i < limit; i++) {
            if (buf[i] == '\n') {
                String s = new String(buf, pos, i - pos, StandardCharsets.ISO_8859_1);
                pos = i + 1;
                return s;
            }
        }
        if (limit < end) throw new IllegalArgumentException("line longer than " + maxLength + " bytes");
        throw InputEnded.INSTANCE;
    }
}
