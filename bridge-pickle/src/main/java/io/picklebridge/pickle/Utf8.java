package io.picklebridge.pickle;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * UTF-8 as CPython's pickle uses it: {@code surrogatepass}, so a lone surrogate in a Python str
 * (bytes ED A0..BF xx) survives as a lone Java char and is written back the same way. ASCII, the
 * common case, takes a fast path of eight bytes at a time.
 */
final class Utf8 {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private Utf8() {}

    static boolean isAscii(byte[] b, int off, int len) {
        int i = off;
        int end = off + len;
        for (; i + 8 <= end; i += 8) {
            if (((long) LONGS.get(b, i) & 0x8080808080808080L) != 0) return false;
        }
        for (; i < end; i++) {
            if (b[i] < 0) return false;
        }
        return true;
    }

    /** Decodes strictly; malformed input throws {@link IllegalArgumentException}. */
    static String decode(byte[] b, int off, int len) {
        if (isAscii(b, off, len)) return new String(b, off, len, StandardCharsets.ISO_8859_1);
        char[] out = new char[len];
        int n = 0;
        int i = off;
        int end = off + len;
        while (i < end) {
            int c = b[i++];
            if (c >= 0) {
                out[n++] = (char) c;
                continue;
            }
            c &= 0xff;
            if (c < 0xc2) throw malformed(i - 1 - off);
            if (c < 0xe0) {
                if (i >= end) throw malformed(i - 1 - off);
                int c2 = b[i++];
                if ((c2 & 0xc0) != 0x80) throw malformed(i - 2 - off);
                out[n++] = (char) (((c & 0x1f) << 6) | (c2 & 0x3f));
            } else if (c < 0xf0) {
                if (i + 1 >= end) throw malformed(i - 1 - off);
                int c2 = b[i++];
                int c3 = b[i++];
                if ((c2 & 0xc0) != 0x80 || (c3 & 0xc0) != 0x80) throw malformed(i - 3 - off);
                int cp = ((c & 0x0f) << 12) | ((c2 & 0x3f) << 6) | (c3 & 0x3f);
                if (cp < 0x800) throw malformed(i - 3 - off); // overlong
                out[n++] = (char) cp; // surrogates pass
            } else if (c < 0xf5) {
                if (i + 2 >= end) throw malformed(i - 1 - off);
                int c2 = b[i++];
                int c3 = b[i++];
                int c4 = b[i++];
                if ((c2 & 0xc0) != 0x80 || (c3 & 0xc0) != 0x80 || (c4 & 0xc0) != 0x80) throw malformed(i - 4 - off);
                int cp = ((c & 0x07) << 18) | ((c2 & 0x3f) << 12) | ((c3 & 0x3f) << 6) | (c4 & 0x3f);
                if (cp < 0x10000 || cp > 0x10ffff) throw malformed(i - 4 - off);
                out[n++] = Character.highSurrogate(cp);
                out[n++] = Character.lowSurrogate(cp);
            } else {
                throw malformed(i - 1 - off);
            }
        }
        return new String(out, 0, n);
    }

    private static IllegalArgumentException malformed(int at) {
        return new IllegalArgumentException("invalid UTF-8 in string at byte " + at + " of it");
    }

    /** Bytes of {@code s} in UTF-8 with surrogatepass. */
    static int encodedLength(String s) {
        int len = s.length();
        long n = len;
        for (int i = 0; i < len; i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                if (c < 0x800) {
                    n += 1;
                } else if (Character.isHighSurrogate(c) && i + 1 < len && Character.isLowSurrogate(s.charAt(i + 1))) {
                    n += 2; // 4 bytes for 2 chars
                    i++;
                } else {
                    n += 2;
                }
            }
        }
        if (n > Integer.MAX_VALUE - 16) throw new PickleLimitException("string too long to pickle");
        return (int) n;
    }

    /** Writes {@code s} at {@code out[pos]}; the caller sized the array with {@link #encodedLength}. */
    static int encode(String s, byte[] out, int pos) {
        int len = s.length();
        for (int i = 0; i < len; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                out[pos++] = (byte) c;
            } else if (c < 0x800) {
                out[pos++] = (byte) (0xc0 | (c >> 6));
                out[pos++] = (byte) (0x80 | (c & 0x3f));
            } else if (Character.isHighSurrogate(c) && i + 1 < len && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                out[pos++] = (byte) (0xf0 | (cp >> 18));
                out[pos++] = (byte) (0x80 | ((cp >> 12) & 0x3f));
                out[pos++] = (byte) (0x80 | ((cp >> 6) & 0x3f));
                out[pos++] = (byte) (0x80 | (cp & 0x3f));
            } else {
                out[pos++] = (byte) (0xe0 | (c >> 12));
                out[pos++] = (byte) (0x80 | ((c >> 6) & 0x3f));
                out[pos++] = (byte) (0x80 | (c & 0x3f));
            }
        }
        return pos;
    }
}
