package io.picklebridge.wire;

import io.picklebridge.pickle.PyTuple;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MessagesTest {

    private static Map<String, Object> dict(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        return map;
    }

    @Test
    void everyMessageRoundTripsThroughItsPickleValue() {
        List<Message> messages = List.of(
                new Hello(dict("protocol", 5L, "client", "picklebridge-python/0.1.0", "capabilities", List.of("call"))),
                Call.of(1, "sys.echo", 7L),
                new Call(2, "w", PyTuple.of(1L), dict("k", "v"), CallOptions.NONE.withTimeout(Duration.ofMillis(2500)).withStream(true)),
                new MapChunk(3, "primes.count", List.of(10L, 20L), CallOptions.NONE),
                new MapChunk(4, "pow", List.of(PyTuple.of(2L, 3L)), CallOptions.NONE.withStar(true)),
                new Cancel(5), new Ping(null), new Ping(7L), Bye.INSTANCE,
                new Result(6, List.of(1L)), new Item(7, "x"), new Pong("p"),
                new ErrorReply(8L, new ErrorInfo("ValueError", "java.lang.IllegalArgumentException", "bad", "trace", 3, "w")),
                ErrorReply.connectionLevel(ErrorInfo.protocolError("not a pickle")));
        for (Message m : messages) {
            PyTuple value = m.toPickleValue();
            assertEquals(m.kind(), value.get(0));
            assertEquals(m, Messages.fromPickleValue(value), m.toString());
        }
    }

    @Test
    void picklesTheDocumentedShapes() {
        assertEquals(PyTuple.of("call", 1L, "sys.echo", PyTuple.of(7L), Map.of()), Call.of(1, "sys.echo", 7L).toPickleValue());
        assertEquals(PyTuple.of("call", 1L, "w", PyTuple.empty(), Map.of(), dict("timeout", 1.5)),
                new Call(1, "w", PyTuple.empty(), Map.of(), CallOptions.NONE.withTimeout(Duration.ofMillis(1500))).toPickleValue());
        assertEquals(PyTuple.of("map", 3L, "w", List.of(1L), Map.of()),
                new MapChunk(3, "w", List.of(1L), CallOptions.NONE).toPickleValue());
        assertEquals(PyTuple.of("bye"), Bye.INSTANCE.toPickleValue());
        assertEquals(PyTuple.of("error", null, dict("type", "ProtocolError",
                        "java_class", "io.picklebridge.wire.ProtocolException", "message", "m", "traceback", "")),
                ErrorReply.connectionLevel(ErrorInfo.protocolError("m")).toPickleValue());
        assertEquals(dict("type", "ValueError", "java_class", "", "message", "m", "traceback", "", "index", 4L),
                ErrorInfo.of("ValueError", "m").withIndex(4).toMap());
    }

    @Test
    void readsTheLenientVariants() {
        Call call = (Call) Messages.fromPickleValue(PyTuple.of("call", 1L, "w", new ArrayList<>(List.of(1L)), Map.of()));
        assertEquals(PyTuple.of(1L), call.args());
        assertEquals(CallOptions.NONE, call.options());
        Call withOptions = (Call) Messages.fromPickleValue(PyTuple.of("call", 1L, "w", PyTuple.empty(), Map.of(),
                dict("timeout", 2L, "future_option", "ignored", "stream", false)));
        assertEquals(Duration.ofSeconds(2), withOptions.options().timeout());
        Call noTimeout = (Call) Messages.fromPickleValue(PyTuple.of("call", 1L, "w", PyTuple.empty(), Map.of(),
                dict("timeout", null)));
        assertNull(noTimeout.options().timeout());
        Call nones = (Call) Messages.fromPickleValue(PyTuple.of("call", 1L, "w", null, null, null));
        assertEquals(Call.of(1, "w"), nones);
        assertEquals(new Ping(null), Messages.fromPickleValue(PyTuple.of("ping")));
        MapChunk chunk = (MapChunk) Messages.fromPickleValue(PyTuple.of("map", 2L, "w", PyTuple.of(1L, 2L)));
        assertEquals(List.of(1L, 2L), chunk.items());
        ErrorReply minimal = (ErrorReply) Messages.fromPickleValue(PyTuple.of("error", 3L, dict("type", "KeyError")));
        assertEquals(ErrorInfo.of("KeyError", ""), minimal.info());
        Hello hello = (Hello) Messages.fromPickleValue(PyTuple.of("hello", dict("protocol", 4L, "capabilities", List.of("call", "map"))));
        assertEquals(4, hello.protocol().getAsInt());
        assertEquals(List.of("call", "map"), hello.capabilities());
    }

    private static ProtocolException refused(Object value) {
        return assertThrows(ProtocolException.class, () -> Messages.fromPickleValue(value));
    }

    @Test
    void namesWhatIsWrongAndCarriesTheIdWhenReadable() {
        ProtocolException e = refused(PyTuple.of("call", 7L, 42L, PyTuple.empty(), Map.of()));
        assertEquals("'call' message: worker (item 2) must be a str, got int", e.getMessage());
        assertEquals(7L, e.requestId().getAsLong());
        assertEquals("call", e.kind());
        assertFalse(e.closesConnection());
        assertEquals(new ErrorReply(7L, new ErrorInfo("ProtocolError", "io.picklebridge.wire.ProtocolException",
                "'call' message: worker (item 2) must be a str, got int", "", null, null)), e.toErrorReply());

        e = refused(PyTuple.of("call", "seven", "w", PyTuple.empty(), Map.of()));
        assertEquals("'call' message: id (item 1) must be an int, got str", e.getMessage());
        assertTrue(e.requestId().isEmpty());

        e = refused(PyTuple.of("call", new BigInteger("123456789012345678901234567890"), "w", PyTuple.empty(), Map.of()));
        assertEquals("'call' message: id (item 1) must be an int of at most 64 bits, got int", e.getMessage());

        e = refused(PyTuple.of("call", 8L, "w"));
        assertEquals("'call' message must have 5 or 6 items (kind, id, worker, args, kwargs[, options]), got 3", e.getMessage());
        assertEquals(8L, e.requestId().getAsLong());

        e = refused(PyTuple.of("call", 9L, "w", "args", Map.of()));
        assertEquals("'call' message: args (item 3) must be a tuple, got str", e.getMessage());

        Map<Object, Object> intKeys = new LinkedHashMap<>();
        intKeys.put(1L, "x");
        e = refused(PyTuple.of("call", 9L, "w", PyTuple.empty(), intKeys));
        assertEquals("'call' message: kwargs (item 4) keys must be str, got int", e.getMessage());

        e = refused(PyTuple.of("call", 9L, "w", PyTuple.empty(), Map.of(), dict("timeout", "soon")));
        assertEquals("'call' options: timeout must be a float (seconds) or None, got str", e.getMessage());
        for (double bad : new double[] {-1.0, 0.0, Double.NaN, Double.POSITIVE_INFINITY}) {
            e = refused(PyTuple.of("call", 9L, "w", PyTuple.empty(), Map.of(), dict("timeout", bad)));
            assertTrue(e.getMessage().startsWith("'call' options: timeout must be a positive, finite number of seconds, got "),
                    e.getMessage());
        }
        assertTrue(e.getMessage().endsWith("got inf"), e.getMessage());
        e = refused(PyTuple.of("map", 9L, "w", List.of(), dict("star", 1L)));
        assertEquals("'map' options: star must be a bool, got int", e.getMessage());

        e = refused(PyTuple.of("frobnicate", 10L));
        assertEquals("unknown message kind 'frobnicate'", e.getMessage());
        assertEquals(10L, e.requestId().getAsLong());

        e = refused(PyTuple.of("cancel", true));
        assertEquals("'cancel' message: id (item 1) must be an int, got bool", e.getMessage());

        e = refused(PyTuple.of("error", 3L, dict("message", "m")));
        assertEquals("'error' message: info['type'] must be a str, got NoneType", e.getMessage());
    }

    @Test
    void refusesValuesThatAreNotKindTuples() {
        assertEquals("a message must be a tuple whose first item is a str naming its kind, got list",
                refused(List.of("call")).getMessage());
        assertEquals("a message must be a tuple whose first item is a str naming its kind, got an empty tuple",
                refused(PyTuple.empty()).getMessage());
        assertEquals("a message must be a tuple whose first item is a str naming its kind, got a tuple starting with int",
                refused(PyTuple.of(1L, 2L)).getMessage());
        assertEquals("a message must be a tuple whose first item is a str naming its kind, got NoneType",
                refused(null).getMessage());
        assertTrue(refused(null).requestId().isEmpty());
        assertTrue(refused(null).toErrorReply().isConnectionLevel());
    }
}
