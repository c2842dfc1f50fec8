package io.picklebridge.server.dispatch;

import java.util.List;
import java.util.Map;

/**
 * One unit of work for the dispatcher: a {@code call} or one {@code map} chunk, with its
 * options and the pickle protocol its reply is written in.
 *
 * <pre>{@code
 * new CallRequest(CallRequest.Kind.CALL, 7L, "sys.echo", List.of("hi"), Map.of(), null, false, false, 0, 4);
 * }</pre>
 *
 * @param timeoutSeconds 0 for none
 * @param protocol       the pickle protocol of the reply (2 to 5)
 */
record CallRequest(Kind kind, Object id, String worker, List<Object> args, Map<String, Object> kwargs,
                   List<Object> items, boolean star, boolean stream, double timeoutSeconds, int protocol) {
    enum Kind { CALL, MAP }
}
