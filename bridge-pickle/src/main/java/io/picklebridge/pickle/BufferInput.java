package io.picklebridge.pickle;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A cursor over a direct (off-heap) ByteBuffer, read with absolute gets so the frame is never
 * copied; only each string's own bytes pass through a scratch array to be decoded.
 */
final class BufferInput extends PickleInput {
    private final ByteBuffer buf;
    private final int start;
    private final int end;
    private int pos;
    private byte[] scratch = new byte[256];

    BufferInput(ByteBuffer buffer) {
        this.buf = buffer.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        this.start = buffer.position();
        this.pos = start;
        this.end = buffer.limit();
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
        return buf.get(pos++) & 0xff;
    }

    @Override
    int u16() {
        if (end - pos < 2) throw InputEnded.INSTANCE;
        int v = buf.getShort(pos) & 0xffff;
        pos += 2;
        return v;
    }

    @Override
    int s32() {
        if (end - pos < 4) throw InputEnded.INSTANCE;
        int v = buf.getInt(pos);
        pos += 4;
        return v;
    }

    @Override
    long s64() {
        if (end - pos < 8) throw InputEnded.INSTANCE;
        long v = buf.getLong(pos);
        pos += 8;
        return v;
    }

    @Override
    double f64be() {
        if (end - pos < 8) throw InputEnded.INSTANCE;
        double v = Double.longBitsToDouble(Long.reverseBytes(buf.getLong(pos)));
        pos += 8;
        return v;
    }

    @Override
    byte[] bytes(int n) {
        if (n < 0 || end - pos < n) throw InputEnded.INSTANCE;
        byte[] out = new byte[n];
        buf.get(pos, out, 0, n);
        pos += n;
        return out;
    }

    @Override
    ByteBuffer view(int n) {
        if (n < 0 || end - pos < n) throw InputEnded.INSTANCE;
        ByteBuffer out = buf.slice(pos, n).order(ByteOrder.BIG_ENDIAN).asReadOnlyBuffer();
        pos += n;
        return out;
    }

    private byte[] scratch(int n) {
        if (n < 0 || end - pos < n) throw InputEnded.INSTANCE;
        if (scratch.length < n) scratch = new byte[Math.max(n, scratch.length * 2)];
        buf.get(pos, scratch, 0, n);
        pos += n;
        return scratch;
    }

    @Override
    String utf8(int n) {
        return Utf8.decode(scratch(n), 0, n);
    }

    @Override
    String latin1(int n) {
        return new String(scratch(n), 0, n, StandardCharsets.ISO_8859_1);
    }

    @Override
    String line(int maxLength) {
        int limit = (int) Math.min(end, (long) pos + maxLength + 1);
        for (int i = pos; i < limit; i++) {
            if (buf.get(i) == '\n') {
                int n = i - pos;
                String s = latin1(n);
                pos++;
                return s;
            }
        }
        if (limit < end) throw new IllegalArgumentException("line longer than " + maxLength + " bytes");
        throw InputEnded.INSTANCE;
    }
}
