package io.picklebridge.wire;

import io.picklebridge.pickle.PyTuple;

import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * {@code ("map", id, worker, items_list, options_dict)}: one chunk of a {@code Pool.map}: call
 * the worker once per item (each item is the one argument, or with {@code star} an args
 * tuple). Answered by one {@link Result} holding the list of results in item order, or one
 * {@link ErrorReply} whose info carries the failing item's {@code index}.
 *
 * <pre>{@code
 * new MapChunk(3, "primes.count", List.of(10L, 20L, 30L), CallOptions.NONE);
 * }</pre>
 *
 * @param items the chunk's items, not copied: the caller must not change the list afterwards
 */
public record MapChunk(long id, String worker, List<Object> items, CallOptions options) implements Message {

    public MapChunk {
        Objects.requireNonNull(worker, "worker");
        items = Collections.unmodifiableList(Objects.requireNonNull(items, "items"));
        Objects.requireNonNull(options, "options");
    }

    @Override
    public String kind() {
        return "map";
    }

    @Override
    public PyTuple toPickleValue() {
        return PyTuple.of("map", id, worker, items, options.toMap());
    }
}
