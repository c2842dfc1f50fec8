package io.picklebridge.pickle;

import java.util.Arrays;

/**
 * The Pickler's memo: object identity to memo index, open addressing over parallel arrays
 * (no boxing, no entry objects). Identity, never equals: equal-but-distinct objects stay
 * distinct, and a list containing itself does not hash itself. Each slot keeps its key's
 * identity hash beside the index, so growing rehashes without touching the keys (each
 * {@link System#identityHashCode} reads the object's header: a cache miss per object).
 */
final class IdentityIntMap {
    private Object[] keys = new Object[8];
    /** Per slot: the key's mixed identity hash (high 32 bits) and its index (low 32 bits). */
    private long[] slots = new long[8];
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
            if (e == key) return (int) slots[i];
            if (e == null) return -1;
            i = (i + 1) & mask;
        }
    }

    void put(Object key, int value) {
        if ((size + 1) * 2 > keys.length) grow();
        Object[] k = keys;
        int mask = k.length - 1;
        int h = mix(System.identityHashCode(key));
        int i = h & mask;
        while (k[i] != null && k[i] != key) i = (i + 1) & mask;
        if (k[i] == null) size++;
        k[i] = key;
        slots[i] = slot(h, value);
    }

    /** Stores {@code value} unless {@code key} is present; returns the index already stored, or -1. */
    int putIfAbsent(Object key, int value) {
        if ((size + 1) * 2 > keys.length) grow();
        Object[] k = keys;
        int mask = k.length - 1;
        int h = mix(System.identityHashCode(key));
        int i = h & mask;
        while (true) {
            Object e = k[i];
            if (e == key) return (int) slots[i];
            if (e == null) break;
            i = (i + 1) & mask;
        }
        k[i] = key;
        slots[i] = slot(h, value);
        size++;
        return -1;
    }

    /**
     * Drops every reference. A large table is a G1 humongous object, which stays in the old
     * generation until the next marking cycle even when dead, and would keep the young objects
     * it refers to alive (and copied) through every young collection until then.
     */
    void clear() {
        if (size > 0) Arrays.fill(keys, null);
        size = 0;
    }

    private void grow() {
        Object[] oldKeys = keys;
        long[] oldSlots = slots;
        int n = oldKeys.length * 2;
        Object[] k = new Object[n];
        long[] s = new long[n];
        int mask = n - 1;
        for (int j = 0; j < oldKeys.length; j++) {
            Object key = oldKeys[j];
            if (key == null) continue;
            long slot = oldSlots[j];
            int i = (int) (slot >>> 32) & mask;
            while (k[i] != null) i = (i + 1) & mask;
            k[i] = key;
            s[i] = slot;
        }
        keys = k;
        slots = s;
    }

    private static long slot(int hash, int value) {
        return ((long) hash << 32) | (value & 0xffffffffL);
    }

    private static int mix(int h) {
        int x = h * 0x9e3779b9;
        return x ^ (x >>> 16);
    }
}
