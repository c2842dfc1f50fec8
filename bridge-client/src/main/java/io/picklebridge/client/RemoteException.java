package io.picklebridge.client;

import io.picklebridge.wire.ErrorInfo;

/**
 * A call that the peer ran and that failed there: the {@code ("error", id, info)} reply of
 * {@code docs/protocol.md}, with the remote exception's Python type name, Java class (empty
 * for a Python peer), message and traceback (a Java stack trace or a formatted Python
 * traceback). {@link #getMessage()} reads like Python's {@code str} of the exception,
 * prefixed by its type: {@code "ValueError: n must be positive"}.
 *
 * <pre>{@code
 * python.call("mymodule.divide", 1, 0).exceptionally(e -> {
 *     RemoteException r = (RemoteException) e.getCause();   // r.type() = "ZeroDivisionError"
 *     System.err.println(r.remoteTraceback());               // Traceback (most recent call last): ...
 *     return null;
 * });
 * }</pre>
 */
public class RemoteException extends BridgeException {
    private static final long serialVersionUID = 1L;

    private final String type;
    private final String javaClass;
    private final String remoteMessage;
    private final String remoteTraceback;
    private final Integer index;
    private final String worker;

    /**
     * @param index the failing item's position in the whole list given to {@code map}, or null
     */
    public RemoteException(String type, String javaClass, String remoteMessage, String remoteTraceback,
                           Integer index, String worker) {
        super(describe(type, remoteMessage, index, worker));
        this.type = type;
        this.javaClass = javaClass == null ? "" : javaClass;
        this.remoteMessage = remoteMessage == null ? "" : remoteMessage;
        this.remoteTraceback = remoteTraceback == null ? "" : remoteTraceback;
        this.index = index;
        this.worker = worker;
    }

    /** The exception an error reply stands for; {@code indexOffset} is added to a map chunk's index. */
    static RemoteException from(ErrorInfo info, String calledWorker, int indexOffset) {
        Integer index = info.index() == null ? null : info.index() + indexOffset;
        String worker = info.worker() != null ? info.worker() : calledWorker;
        return new RemoteException(info.type(), info.javaClass(), info.message(), info.traceback(), index, worker);
    }

    private static String describe(String type, String message, Integer index, String worker) {
        StringBuilder s = new StringBuilder(type);
        if (message != null && !message.isEmpty()) s.append(": ").append(message);
        if (worker != null || index != null) {
            s.append(" (");
            if (worker != null) s.append("worker ").append(worker);
            if (worker != null && index != null) s.append(", ");
            if (index != null) s.append("item ").append(index);
            s.append(')');
        }
        return s.toString();
    }

    /** The Python exception name: {@code "ValueError"}, {@code "JavaException"}, {@code "NameError"}... */
    public String type() {
        return type;
    }

    /** The Java exception class when a Java worker failed, {@code ""} for a Python peer. */
    public String javaClass() {
        return javaClass;
    }

    /** The remote exception's own message, without the type prefix; may be empty. */
    public String remoteMessage() {
        return remoteMessage;
    }

    /** The remote traceback: a Java stack trace with causes, or a Python traceback; may be empty. */
    public String remoteTraceback() {
        return remoteTraceback;
    }

    /** For {@code map}: the failing item's position in the list given to {@code map}; else null. */
    public Integer index() {
        return index;
    }

    /** The worker that failed, when known. */
    public String worker() {
        return worker;
    }
}
