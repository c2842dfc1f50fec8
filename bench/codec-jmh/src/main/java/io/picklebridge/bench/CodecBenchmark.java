package io.picklebridge.bench;

import io.picklebridge.pickle.PickleCodec;
import net.razorvine.pickle.Pickler;
import net.razorvine.pickle.Unpickler;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Decode and encode time of bridge-pickle and net.razorvine:pickle 1.5 on the same pickles,
 * written by CPython ({@code bench/codec/payloads.py}, protocol 5) into the directory named by
 * the system property {@code pb.payloads}. Each library encodes the value it decoded itself.
 *
 * <pre>{@code
 * java -Dpb.payloads=DIR -jar benchmarks.jar CodecBenchmark -p payload=ints -f 1 -wi 1 -i 3
 * }</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class CodecBenchmark {
    /** The pickle; each library's benchmarks add only their own decoded value to the heap. */
    @State(Scope.Benchmark)
    public static class Payload {
        /** A file {@code <payload>.pickle} in the payload directory. */
        @Param({"rpc", "ints", "floats", "strings", "dicts", "bytes"})
        public String payload;

        byte[] pickle;

        @Setup(Level.Trial)
        public void read() {
            String directory = System.getProperty("pb.payloads");
            if (directory == null) throw new IllegalStateException("set -Dpb.payloads=DIR (see bench/codec/run.sh)");
            try {
                pickle = Files.readAllBytes(Path.of(directory, payload + ".pickle"));
            } catch (IOException e) {
                throw new UncheckedIOException("run bench/codec/payloads.py first", e);
            }
        }
    }

    /** bridge-pickle's decoded value, for its encode benchmark. */
    @State(Scope.Benchmark)
    public static class Ours {
        Object value;

        @Setup(Level.Trial)
        public void decode(Payload payload) {
            value = CODEC.loads(payload.pickle);
        }
    }

    /** razorvine's decoded value, for its encode benchmark. */
    @State(Scope.Benchmark)
    public static class Razorvine {
        Object value;

        @Setup(Level.Trial)
        public void decode(Payload payload) throws IOException {
            value = new Unpickler().loads(payload.pickle);
        }
    }

    private static final PickleCodec CODEC = PickleCodec.defaults();
    private static final PickleCodec ZERO_COPY = PickleCodec.builder().zeroCopyBytes(1 << 20).build();

    @Benchmark
    public Object decodeOurs(Payload payload) {
        return CODEC.loads(payload.pickle);
    }

    /**
     * Opt-in, not the default (an extra row of the table): large bytes decode as read-only
     * ByteBuffer views of the input instead of byte[] copies ({@code zeroCopyBytes}).
     */
    @Benchmark
    public Object decodeOursZeroCopy(Payload payload) {
        return ZERO_COPY.loads(payload.pickle);
    }

    @Benchmark
    public Object decodeRazorvine(Payload payload) throws IOException {
        return new Unpickler().loads(payload.pickle);
    }

    @Benchmark
    public byte[] encodeOurs(Ours ours) {
        return CODEC.dumps(ours.value);
    }

    @Benchmark
    public byte[] encodeRazorvine(Razorvine razorvine) throws IOException {
        return new Pickler().dumps(razorvine.value);
    }
}
