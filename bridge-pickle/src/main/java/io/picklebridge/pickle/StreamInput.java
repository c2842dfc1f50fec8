package io.picklebridge.pickle;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A cursor over an InputStream that never reads past the pickle's STOP opcode, so pickles
 * written back to back can be read one after another. It reads exactly what each opcode needs,
 * and a whole FRAME at once (protocol 4 and 5 pickles are framed), so it is fast on framed
 * pickles and on buffered streams. Large declared lengths are read in growing chunks: a
 * pickle declaring 2 GiB in a few bytes fails after reading what is there.
 */
final class StreamInput extends PickleInput {
    private static final int CHUNK = 1 << 20;

    private final InputStream in;
    private final long maxBytes;
    private byte[] buf = new byte[8192];
    private int pos;
    private int end;
    private long consumedBefore; // bytes of the stream before buf[0]

    StreamInput(InputStream in, long maxBytes) {
        this.in = in;
        this.maxBytes = maxBytes;
    }

    @Override
    long position() {
        return consumedBefore + pos;
    }

    @Override
    long remaining() {
        return Long.MAX_VALUE;
    }

    /** Makes {@code n} bytes available in {@code buf[pos, pos+n)}, reading no more than that. */
    private void fill(int n) {
        int have = end - pos;
        if (have >= n) return;
        if (position() + n > maxBytes) throw new PickleLimitException("pickle larger than maxInputBytes " + maxBytes);
        if (buf.length - pos < n) {
            // compact, then grow in chunks as the data actually arrives
            System.arraycopy(buf, pos, buf, 0, have);
            consumedBefore += pos;
            end = have;
            pos = 0;
        }
        while (end - pos < n) {
            if (end == buf.length) {
                buf = Arrays.copyOf(buf, (int) Math.min(Math.max(buf.length * 2L, (long) pos + n), Integer.MAX_VALUE - 16));
            }
            int want = Math.min(pos + n - end, buf.length - end);
            int got;
            try {
                got = in.read(buf, end, want);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (got < 0) throw InputEnded.INSTANCE;
            end += got;
        }
    }

    private void fillGrowing(int n) {
        // grow towards n in chunks so a lying length only costs what the stream really holds
        while (end - pos < n) {
            int step = (int) Math.min(n, (long) (end - pos) + CHUNK);
            fill(step);
        }
    }

    @Override
    void frame(long n) {
        if (n <= Integer.MAX_VALUE - 16) fillGrowing((int) n);
    }

    @Override
    int u8() {
        if (pos >= end) fill(1);
        return buf[pos++] & 0xff;
    }

    @Override
    int u16() {
        fill(2);
        int v = (buf[pos] & 0xff) | (buf[pos + 1] & 0xff) << 8;
        pos += 2;
        return v;
    }

    @Override
    int s32() {
        fill(4);
        int v = (buf[pos] & 0xff) | (buf[pos + 1] & 0xff) << 8 | (buf[pos + 2] & 0xff) << 16 | (buf[pos + 3] & 0xff) << 24;
        pos += 4;
        return v;
    }

    @Override
    long s64() {
        fill(8);
        long lo = s32() & 0xffffffffL;
        long hi = s32();
        return lo | hi << 32;
    }

    @Override
    double f64be() {
        return Double.longBitsToDouble(Long.reverseBytes(s64()));
    }

    @Override
    byte[] bytes(int n) {
        if (n < 0) throw InputEnded.INSTANCE;
        fillGrowing(n);
        byte[] out = Arrays.copyOfRange(buf, pos, pos + n);
        pos += n;
        return out;
    }

    @Override
    String utf8(int n) {
        if (n < 0) throw InputEnded.INSTANCE;
        fillGrowing(n);
        String s = Utf8.decode(buf, pos, n);
        pos += n;
        return s;
    }

    @Override
    String latin1(int n) {
        if (n < 0) throw InputEnded.INSTANCE;
        fillGrowing(n);
        String s = new String(buf, pos, n, StandardCharsets.ISO_8859_1);
        pos += n;
        return s;
    }

    @Override
    String line(int maxLength) {
        StringBuilder sb = new StringBuilder();
        while (true) {
            int c = u8();
            if (c == '\n') return sb.toString();
            if (sb.length() >= maxLength) throw new IllegalArgumentException("line longer than " + maxLength + " bytes");
            sb.append((char) c);
        }
    }
}
