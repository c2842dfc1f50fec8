package io.picklebridge.wire;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The {@code info_dict} of an {@code error} reply.
 *
 * <pre>{@code
 * {"type": "ValueError", "java_class": "java.lang.IllegalArgumentException",
 *  "message": "n must be positive, got -3", "traceback": "java.lang...\n\tat ...",
 *  "index": 17, "worker": "primes.count"}          # index and worker optional
 * }</pre>
 *
 * <pre>{@code
 * ErrorInfo info = new ErrorInfo("ValueError", e.getClass().getName(), e.getMessage(), trace, null, "primes.count");
 * }</pre>
 *
 * @param type      the Python exception class name the client raises ({@code "ValueError"},
 *                  {@code "JavaException"}, {@code "ProtocolError"}...)
 * @param javaClass the Java exception class, {@code ""} when the failure is not a Java exception
 * @param message   the exception message, {@code ""} when there is none
 * @param traceback the Java stack trace with causes, or a Python peer's formatted traceback; may be {@code ""}
 * @param index     {@code map} only: the failing item's position in the chunk; null otherwise
 * @param worker    the worker called, when known; null otherwise
 */
public record ErrorInfo(String type, String javaClass, String message, String traceback, Integer index,
                        String worker) {
    /** {@code type} of errors about unusable messages. */
    public static final String PROTOCOL_ERROR = "ProtocolError";

    public ErrorInfo {
        Objects.requireNonNull(type, "type");
        javaClass = Objects.requireNonNullElse(javaClass, "");
        message = Objects.requireNonNullElse(message, "");
        traceback = Objects.requireNonNullElse(traceback, "");
        if (index != null && index < 0) {
            throw new IllegalArgumentException("index must not be negative, got " + index);
        }
    }

    /** An error of the given Python type and message, with no Java class, traceback, index or worker. */
    public static ErrorInfo of(String type, String message) {
        return new ErrorInfo(type, "", message, "", null, null);
    }

    /** A {@code "ProtocolError"}: the message could not be used. */
    public static ErrorInfo protocolError(String message) {
        return new ErrorInfo(PROTOCOL_ERROR, ProtocolException.class.getName(), message, "", null, null);
    }

    public ErrorInfo withIndex(Integer value) {
        return new ErrorInfo(type, javaClass, message, traceback, value, worker);
    }

    public ErrorInfo withWorker(String value) {
        return new ErrorInfo(type, javaClass, message, traceback, index, value);
    }

    /** The dict that travels: the four string keys always, {@code index} and {@code worker} when set. */
    public Map<String, Object> toMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("type", type);
        map.put("java_class", javaClass);
        map.put("message", message);
        map.put("traceback", traceback);
        if (index != null) map.put("index", (long) index);
        if (worker != null) map.put("worker", worker);
        return map;
    }
}
