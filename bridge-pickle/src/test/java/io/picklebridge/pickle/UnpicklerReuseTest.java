package io.picklebridge.pickle;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A codec reuses one Unpickler per thread for byte arrays and heap buffers: nothing of one call
 * (stack, memo, input) is seen by the next or kept after it, whether the call succeeded or
 * failed; a decode inside a decode (a constructor calling {@code loads}) gets its own Unpickler;
 * threads never share one.
 */
class UnpicklerReuseTest {
    // PROTO 2, "a" BINPUT 0, then the truncated rest: fails with a memo entry and a stack item
    private static final byte[] FAILS_WITH_MEMO = {(byte) 0x80, 2, 'X', 1, 0, 0, 0, 'a', 'q', 0, 'X', 9};
    // PROTO 2, BINGET 0, STOP: valid only if memo entry 0 exists
    private static final byte[] GETS_MEMO_0 = {(byte) 0x80, 2, 'h', 0, '.'};

    @Test
    void aFailedCallLeavesNoMemoForTheNext() {
        PickleCodec codec = PickleCodec.defaults();
        assertThrows(PickleTruncatedException.class, () -> codec.loads(FAILS_WITH_MEMO));
        PickleException e = assertThrows(PickleException.class, () -> codec.loads(GETS_MEMO_0));
        assertTrue(e.getMessage().contains("memo value not found at index 0"), e.getMessage());
        assertEquals(List.of("x", "x"), codec.loads(PickleCodec.defaults().dumps(List.of("x", "x"))));
    }

    @Test
    void aSuccessfulCallLeavesNoMemoForTheNext() {
        PickleCodec codec = PickleCodec.defaults();
        assertEquals("shared", codec.loads(codec.dumps("shared")));
        assertThrows(PickleException.class, () -> codec.loads(GETS_MEMO_0));
        assertThrows(PickleException.class, () -> codec.loads(ByteBuffer.wrap(GETS_MEMO_0)));
    }

    @Test
    void theIdleUnpicklerHoldsNoValueAndNoInputAfterACall() throws Exception {
        PickleCodec codec = PickleCodec.builder().build();
        List<Object> value = new ArrayList<>();
        for (int i = 0; i < 100; i++) value.add(List.of("item" + i, (long) i));
        byte[] pickle = codec.dumps(value);
        assertEquals(value, codec.loads(pickle));
        assertThrows(PickleTruncatedException.class, () -> codec.loads(java.util.Arrays.copyOf(pickle, pickle.length - 3)));

        Unpickler idle = idleUnpicklerOf(codec);
        for (String name : List.of("stack", "memoFirst")) {
            for (Object slot : (Object[]) field(idle, name)) assertNull(slot, name + " keeps a value");
        }
        assertEquals(0, ((Object[][]) field(idle, "memo")).length, "memo pages kept");
        assertNull(field(idle, "in"));
        assertEquals(0, ((ArrayInput) field(idle, "arrayInput")).remaining());
    }

    @Test
    void aDecodeInsideADecodeGetsItsOwnUnpickler() {
        PickleCodec[] self = new PickleCodec[1];
        self[0] = PickleCodec.builder()
                .constructor("app", "Inner", (args, kwargs) -> self[0].loads((byte[]) args.get(0)))
                .build();
        byte[] inner = self[0].dumps(List.of("inner", 1L, List.of("deep")));
        // ("outer", app.Inner(inner_pickle), "after"): the outer memo and stack must survive the inner call
        byte[] outer = python2Reduce(inner);
        Object back = self[0].loads(outer);
        assertEquals(PyTuple.of("outer", List.of("inner", 1L, List.of("deep")), "outer"), back);
    }

    @Test
    void threadsDecodeIndependently() throws Exception {
        PickleCodec codec = PickleCodec.defaults();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int id = t;
                results.add(pool.submit(() -> {
                    for (int i = 0; i < 2_000; i++) {
                        Map<String, Object> value = Map.of("thread", (long) id, "i", (long) i, "s", "v" + id + "-" + i);
                        if (!value.equals(codec.loads(codec.dumps(value)))) return false;
                    }
                    return true;
                }));
            }
            for (Future<Boolean> r : results) assertTrue(r.get(60, TimeUnit.SECONDS));
        } finally {
            pool.shutdownNow();
        }
    }

    /** PROTO 2, "outer" BINPUT 0, GLOBAL app Inner, (BINBYTES inner), TUPLE1, REDUCE, BINGET 0, TUPLE3, STOP. */
    private static byte[] python2Reduce(byte[] inner) {
        java.io.ByteArrayOutputStream p = new java.io.ByteArrayOutputStream();
        p.writeBytes(new byte[] {(byte) 0x80, 3, 'X', 5, 0, 0, 0});
        p.writeBytes("outer".getBytes());
        p.writeBytes(new byte[] {'q', 0});
        p.writeBytes("capp\nInner\n".getBytes());
        p.write('B');
        p.writeBytes(new byte[] {(byte) inner.length, (byte) (inner.length >> 8), (byte) (inner.length >> 16), (byte) (inner.length >>> 24)});
        p.writeBytes(inner);
        p.writeBytes(new byte[] {(byte) 0x85, 'R', 'h', 0, (byte) 0x87, '.'});
        return p.toByteArray();
    }

    private static Unpickler idleUnpicklerOf(PickleCodec codec) throws Exception {
        @SuppressWarnings("unchecked")
        ThreadLocal<Unpickler> idle = (ThreadLocal<Unpickler>) field(codec, "idleUnpickler");
        return idle.get();
    }

    private static Object field(Object owner, String name) throws Exception {
        Field f = owner.getClass().getDeclaredField(name);
        f.setAccessible(true);
        return f.get(owner);
    }
}
