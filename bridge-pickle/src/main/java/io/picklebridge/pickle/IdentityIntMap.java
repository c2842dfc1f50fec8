package io.picklebridge.pickle;

/**
 * The Pickler's memo: object identity to memo index, open addressing over parallel arrays
 * (no boxing, no entry objects). Identity, never equals: equal-but-distinct objects stay
 * distinct, and a list containing itself does not hash itself.
 */
final class IdentityIntMap {
    private Object[] keys = new Object[16];
    private int[] values = new int[16];
    private int size;

    int size() {
        return size;
    }

    /** The index stored for {@code key}, or -1. */
    int get(Object key) {
        Object[] k = keys;
        int mask = k.length - 1;
        int i = mix(System.identityHashCode(key)) & mask;
        while (true) {
            Object e = k[i];
            if (e == key) return values[i];
            if (e == null) return -1;
            i = (i + 1) & mask;
        }
    }

    void put(Object key, int value) {
        if ((size + 1) * 2 > keys.length) grow();
        Object[] k = keys;
        int mask = k.length - 1;
        int i = mix(System.identityHashCode(key)) & mask;
        while (k[i] != null && k[i] != key) i = (i + 1) & mask;
        if (k[i] == null) size++;
        k[i] = key;
        values[i] = value;
    }

    private void grow() {
        Object[] oldKeys = keys;
        int[] oldValues = values;
        keys = new Object[oldKeys.length * 2];
        values = new int[oldKeys.length * 2];
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != null) put(oldKeys[i], oldValues[i]);
        }
    }

    private static int mix(int h) {
        int x = h * 0x9e3779b9;
        return x ^ (x >>> 16);
    }
}
