package io.picklebridge.pickle;

import java.util.Arrays;
import java.util.Objects;

/**
 * A Python {@code bytearray}: mutable bytes, kept distinct from {@code bytes} (which decode to
 * {@code byte[]}). Unhashable, as in Python: it cannot be a dict key or set member.
 *
 * <pre>{@code
 * PyByteArray buffer = new PyByteArray(new byte[] {1, 2, 3});
 * codec.dumps(buffer);   // python: bytearray(b'\x01\x02\x03')
 * }</pre>
 */
public final class PyByteArray {
    private byte[] bytes;

    /** Wraps the array without copying; later changes to it show through. */
    public PyByteArray(byte[] bytes) {
        this.bytes = Objects.requireNonNull(bytes, "bytes");
    }

    /** The backing array (not a copy). */
    public byte[] bytes() { return bytes; }

    public void setBytes(byte[] bytes) { this.bytes = Objects.requireNonNull(bytes, "bytes"); }

    public int length() { return bytes.length; }

    @Override
    public boolean equals(Object o) {
        return o instanceof PyByteArray other && Arrays.equals(bytes, other.bytes);
    }

    /** Python refuses to hash a bytearray; Java needs a hashCode, so it is content-based. */
    @Override
    public int hashCode() { return Arrays.hashCode(bytes); }

    @Override
    public String toString() { return "bytearray(" + bytes.length + " bytes)"; }
}
