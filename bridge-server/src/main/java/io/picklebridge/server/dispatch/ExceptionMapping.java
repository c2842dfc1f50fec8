package io.picklebridge.server.dispatch;

import io.picklebridge.server.BridgeCallException;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.UndeclaredThrowableException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The one table from Java exceptions to the Python exception a client raises, and the error
 * info dict of an {@code ("error", id, info)} reply. The first matching row wins, so subclasses
 * come before their parents. Documented in {@code docs/errors.md}; keep the two in step.
 *
 * <pre>{@code
 * ExceptionMapping.pythonType(new IllegalArgumentException("n < 0"));   // "ValueError"
 * Map<String, Object> info = ExceptionMapping.errorInfo(e, "primes.count");
 * }</pre>
 */
public final class ExceptionMapping {
    /** Reported when no row matches. */
    public static final String GENERIC = "JavaException";

    private record Row(String javaClass, String pythonType) {}

    /** Matched by class name so that optional classes need not be loaded. */
    private static final List<Row> TABLE = List.of(
            new Row("java.lang.NumberFormatException", "ValueError"),
            new Row("java.lang.IllegalArgumentException", "ValueError"),
            new Row("java.lang.ArithmeticException", "ArithmeticError"), // "/ by zero" -> ZeroDivisionError
            new Row("java.lang.IndexOutOfBoundsException", "IndexError"),
            new Row("java.lang.ArrayIndexOutOfBoundsException", "IndexError"),
            new Row("java.util.NoSuchElementException", "KeyError"),
            new Row("java.lang.UnsupportedOperationException", "NotImplementedError"),
            new Row("java.lang.ClassCastException", "TypeError"),
            new Row("java.lang.ArrayStoreException", "TypeError"),
            new Row("java.lang.NullPointerException", "TypeError"),
            new Row("java.lang.OutOfMemoryError", "MemoryError"),
            new Row("java.lang.StackOverflowError", "RecursionError"),
            new Row("java.util.concurrent.TimeoutException", "TimeoutError"),
            new Row("java.net.SocketTimeoutException", "TimeoutError"),
            new Row("java.nio.channels.InterruptedByTimeoutException", "TimeoutError"),
            new Row("java.util.concurrent.CancellationException", "CancelledError"),
            new Row("java.lang.InterruptedException", "CancelledError"),
            new Row("java.io.FileNotFoundException", "FileNotFoundError"),
            new Row("java.nio.file.NoSuchFileException", "FileNotFoundError"),
            new Row("java.nio.file.FileAlreadyExistsException", "FileExistsError"),
            new Row("java.nio.file.AccessDeniedException", "PermissionError"),
            new Row("java.nio.file.NotDirectoryException", "NotADirectoryError"),
            new Row("java.net.ConnectException", "ConnectionRefusedError"),
            new Row("java.io.IOException", "OSError"),
            new Row("java.io.UncheckedIOException", "OSError"),
            new Row("java.lang.SecurityException", "PermissionError"),
            new Row("java.lang.IllegalStateException", "RuntimeError"),
            new Row("java.lang.AssertionError", "AssertionError"),
            new Row("java.lang.LinkageError", "ImportError"));

    private ExceptionMapping() {}

    /** The Python exception name for a Java exception (after {@link #unwrap}). */
    public static String pythonType(Throwable error) {
        if (error instanceof BridgeCallException b) return b.pythonType();
        if (error instanceof ArithmeticException && isDivisionByZero(error.getMessage())) {
            return "ZeroDivisionError";
        }
        for (Class<?> c = error.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
            String name = c.getName();
            for (Row row : TABLE) {
                if (row.javaClass.equals(name)) return row.pythonType;
            }
        }
        return GENERIC;
    }

    /**
     * "/ by zero", or no message at all: once a division by zero is thrown often from
     * compiled code, the JVM throws a preallocated ArithmeticException without message or
     * stack trace (OmitStackTraceInFastThrow), and that is the only one it throws bare.
     */
    private static boolean isDivisionByZero(String message) {
        return message == null || message.contains("by zero");
    }

    /** Strips reflection and executor wrappers down to what the worker threw. */
    public static Throwable unwrap(Throwable error) {
        Throwable t = error;
        for (int i = 0; i < 10 && t.getCause() != null; i++) {
            if (t instanceof InvocationTargetException || t instanceof ExecutionException
                    || t instanceof CompletionException || t instanceof UndeclaredThrowableException) {
                t = t.getCause();
            } else {
                break;
            }
        }
        return t;
    }

    /**
     * The info dict of an error reply: {@code type}, {@code java_class}, {@code message},
     * {@code traceback} (the stack trace with its causes) and {@code worker} when known.
     */
    public static Map<String, Object> errorInfo(Throwable error, String worker) {
        Throwable t = unwrap(error);
        Map<String, Object> info = new LinkedHashMap<>(8);
        info.put("type", pythonType(t));
        info.put("java_class", t instanceof BridgeCallException ? "" : t.getClass().getName());
        info.put("message", t.getMessage() == null ? "" : t.getMessage());
        info.put("traceback", t instanceof BridgeCallException && t.getCause() == null ? "" : stackTrace(t));
        if (worker != null) info.put("worker", worker);
        return info;
    }

    /** An error info for a failure the server itself decided (cancel, timeout, protocol). */
    public static Map<String, Object> errorInfo(String pythonType, String message, String worker) {
        Map<String, Object> info = new LinkedHashMap<>(8);
        info.put("type", pythonType);
        info.put("java_class", "");
        info.put("message", message);
        info.put("traceback", "");
        if (worker != null) info.put("worker", worker);
        return info;
    }

    static String stackTrace(Throwable t) {
        StringWriter out = new StringWriter(1024);
        try (PrintWriter writer = new PrintWriter(out)) {
            t.printStackTrace(writer);
        }
        return out.toString();
    }
}
