package io.picklebridge.server.dispatch;

import io.picklebridge.server.BridgeCallException;
import org.junit.jupiter.api.Test;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExceptionMappingTest {
    static final class CustomFailure extends RuntimeException {
        CustomFailure(String message) { super(message); }
    }

    @Test
    void tableMapsToPythonBuiltins() {
        assertEquals("ValueError", ExceptionMapping.pythonType(new IllegalArgumentException()));
        assertEquals("ValueError", ExceptionMapping.pythonType(new NumberFormatException()));
        assertEquals("ZeroDivisionError", ExceptionMapping.pythonType(new ArithmeticException("/ by zero")));
        assertEquals("ArithmeticError", ExceptionMapping.pythonType(new ArithmeticException("overflow")));
        // the JVM's preallocated "fast throw" of a hot division by zero has no message
        assertEquals("ZeroDivisionError", ExceptionMapping.pythonType(new ArithmeticException()));
        assertEquals("IndexError", ExceptionMapping.pythonType(new ArrayIndexOutOfBoundsException(3)));
        assertEquals("IndexError", ExceptionMapping.pythonType(new StringIndexOutOfBoundsException(3)));
        assertEquals("KeyError", ExceptionMapping.pythonType(new NoSuchElementException()));
        assertEquals("NotImplementedError", ExceptionMapping.pythonType(new UnsupportedOperationException()));
        assertEquals("TypeError", ExceptionMapping.pythonType(new ClassCastException()));
        assertEquals("MemoryError", ExceptionMapping.pythonType(new OutOfMemoryError()));
        assertEquals("RecursionError", ExceptionMapping.pythonType(new StackOverflowError()));
        assertEquals("TimeoutError", ExceptionMapping.pythonType(new TimeoutException()));
        assertEquals("FileNotFoundError", ExceptionMapping.pythonType(new FileNotFoundException()));
        assertEquals("OSError", ExceptionMapping.pythonType(new IOException()));
        assertEquals("RuntimeError", ExceptionMapping.pythonType(new IllegalStateException()));
        assertEquals("JavaException", ExceptionMapping.pythonType(new CustomFailure("x")));
        assertEquals("NameError", ExceptionMapping.pythonType(new BridgeCallException("NameError", "x")));
    }

    @Test
    void errorInfoUnwrapsAndCarriesTheWholeTrace() {
        Exception root = new IllegalStateException("root cause");
        Exception thrown = new IllegalArgumentException("n must be positive, got -3", root);
        Map<String, Object> info = ExceptionMapping.errorInfo(
                new ExecutionException(new InvocationTargetException(thrown)), "primes.count");
        assertEquals("ValueError", info.get("type"));
        assertEquals("java.lang.IllegalArgumentException", info.get("java_class"));
        assertEquals("n must be positive, got -3", info.get("message"));
        assertEquals("primes.count", info.get("worker"));
        String trace = (String) info.get("traceback");
        assertTrue(trace.startsWith("java.lang.IllegalArgumentException: n must be positive"), trace);
        assertTrue(trace.contains("Caused by: java.lang.IllegalStateException: root cause"), trace);
        assertTrue(trace.contains("\tat "), trace);
    }

    @Test
    void missingMessageBecomesEmptyString() {
        assertEquals("", ExceptionMapping.errorInfo(new NullPointerException(), null).get("message"));
    }
}
