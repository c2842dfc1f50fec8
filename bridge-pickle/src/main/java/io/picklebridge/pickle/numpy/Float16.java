package io.picklebridge.pickle.numpy;

/** IEEE 754 half precision (numpy float16) to float; Java 17 has no built-in conversion. */
final class Float16 {
    private Float16() {}

    static float toFloat(short half) {
        int bits = half & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1f;
        int mantissa = bits & 0x3ff;
        if (exponent == 0x1f) { // inf, nan (payload kept)
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            if (mantissa == 0) return Float.intBitsToFloat(sign);
            // subnormal half: a normal float
            float value = mantissa / 1024f / 16384f; // mantissa * 2^-24
            return sign != 0 ? -value : value;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }
}
