package io.picklebridge.client;

import io.picklebridge.pickle.PyTuple;

import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * One call, spelled out: positional and keyword arguments, a timeout, the result type. Made by
 * {@link BridgeClient#request(String)}; {@link #send()} may be called more than once (each
 * time a new call).
 *
 * <pre>{@code
 * CompletableFuture<Double> mean = client.request("statistics.fmean")
 *         .args(List.of(1.0, 2.5, 4.0)).kwarg("weights", List.of(1, 2, 1))
 *         .timeout(Duration.ofSeconds(2))
 *         .send(Double.class);
 * }</pre>
 */
public final class CallBuilder {
    private final BridgeClient client;
    private final String worker;
    private PyTuple args = PyTuple.empty();
    private final Map<String, Object> kwargs = new LinkedHashMap<>();
    private Duration timeout;

    CallBuilder(BridgeClient client, String worker, Duration defaultTimeout) {
        this.client = client;
        this.worker = Objects.requireNonNull(worker, "worker");
        this.timeout = defaultTimeout;
    }

    /** The positional arguments (replacing any given before); each travels as the codec's table says. */
    public CallBuilder args(Object... values) {
        args = PyTuple.of(values.clone());
        return this;
    }

    /** The positional arguments as a list (one argument per element). */
    public CallBuilder argList(List<?> values) {
        args = PyTuple.copyOf(values);
        return this;
    }

    /** Adds one keyword argument. */
    public CallBuilder kwarg(String name, Object value) {
        kwargs.put(Objects.requireNonNull(name, "name"), value);
        return this;
    }

    /** Adds keyword arguments. */
    public CallBuilder kwargs(Map<String, ?> values) {
        values.forEach(this::kwarg);
        return this;
    }

    /**
     * The call's timeout (default: the client's), sent to the peer as the {@code "timeout"}
     * option and enforced here; null for none.
     */
    public CallBuilder timeout(Duration value) {
        if (value != null && (value.isNegative() || value.isZero())) {
            throw new IllegalArgumentException("timeout must be positive, got " + value);
        }
        timeout = value;
        return this;
    }

    /** Sends the call; the future completes with the result as decoded. */
    public CompletableFuture<Object> send() {
        return client.submit(worker, args, kwargs, timeout, value -> value, null);
    }

    /** Sends the call; the future completes with the result converted to {@code type}. */
    public <T> CompletableFuture<T> send(Class<T> type) {
        Objects.requireNonNull(type, "type");
        return client.submit(worker, args, kwargs, timeout, value -> ResultConverter.convert(value, type, worker), null);
    }

    /**
     * Sends the call with the {@code "stream"} option: each item the worker produces is handed to
     * {@code onItem}, in order, on the client's completion thread; the future completes after the
     * last item with the number of items (or fails with the call's error, after the items sent
     * before it). The timeout, if any, covers the whole stream.
     */
    public CompletableFuture<Long> stream(Consumer<Object> onItem) {
        Objects.requireNonNull(onItem, "onItem");
        return client.submit(worker, args, kwargs, timeout, value -> ResultConverter.convert(value, Long.class, worker), onItem);
    }

    @Override
    public String toString() {
        return "CallBuilder[" + worker + Arrays.toString(args.toArray()) + (kwargs.isEmpty() ? "" : " " + kwargs)
                + (timeout == null ? "" : " timeout " + timeout) + "]";
    }
}
