package io.picklebridge.wire;

import io.picklebridge.pickle.PyTuple;

/**
 * One message of picklebridge protocol version 1 ({@code docs/protocol.md}, section 4): on the
 * wire, one pickled tuple whose first item is a str naming the kind. Every kind is an immutable
 * record; {@link Messages#fromPickleValue(Object)} reads one from a decoded pickle and
 * {@link #toPickleValue()} gives the tuple to pickle.
 *
 * <pre>{@code
 * Message m = Messages.fromPickleValue(codec.loads(frame));
 * switch (m) {   // Java 21; on 17 use instanceof
 *     case Call call -> dispatch(call);
 *     case Ping ping -> reply(new Pong(ping.payload()));
 *     ...
 * }
 * }</pre>
 *
 * <p>Client to server: {@link Hello}, {@link Call}, {@link MapChunk}, {@link Cancel},
 * {@link Ping}, {@link Bye}. Server to client: {@link Hello}, {@link Result},
 * {@link ErrorReply}, {@link Item}, {@link Pong}. The kind {@code "hello"} is the same both
 * ways, so one record serves as request and reply.
 */
public sealed interface Message permits Hello, Call, MapChunk, Cancel, Ping, Bye, Result, ErrorReply, Item, Pong {
    /** The kind string, the tuple's first item: {@code "call"}, {@code "result"}... */
    String kind();

    /** The tuple that travels as the pickle, e.g. {@code ("result", 7, value)}. */
    PyTuple toPickleValue();
}
