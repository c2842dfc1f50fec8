import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.picklebridge.wire.FrameDecoder;

/**
 * How long {@code FrameDecoder} takes to accumulate one frame delivered in 64 KiB reads (as epoll
 * delivers a large frame), with its default cumulator and with a doubling one. Run from the
 * checkout, with the server jar (it holds Netty and bridge-wire):
 *
 * <pre>
 * java -Xmx4g -cp bridge-server/target/bridge-server.jar bench/probes/FrameAccumulationProbe.java 16 64 256
 * </pre>
 */
public class FrameAccumulationProbe {
    static final ByteToMessageDecoder.Cumulator DOUBLING = (alloc, cumulation, in) -> {
        try {
            int required = in.readableBytes();
            if (required > cumulation.writableBytes() || cumulation.refCnt() > 1 || cumulation.isReadOnly()) {
                long needed = (long) cumulation.readableBytes() + required;
                long doubled = Math.max(needed, Math.min(Integer.MAX_VALUE - 8L, 2L * cumulation.capacity()));
                ByteBuf bigger = alloc.buffer((int) doubled);
                bigger.writeBytes(cumulation);
                cumulation.release();
                cumulation = bigger;
            }
            cumulation.writeBytes(in);
            return cumulation;
        } finally {
            in.release();
        }
    };

    public static void main(String[] args) {
        for (String arg : args) {
            int mib = Integer.parseInt(arg);
            for (boolean doubling : new boolean[] {false, true}) {
                FrameDecoder decoder = new FrameDecoder();
                if (doubling) decoder.setCumulator(DOUBLING);
                EmbeddedChannel channel = new EmbeddedChannel(decoder);
                int n = mib << 20;
                byte[] chunk = new byte[65536];
                long start = System.nanoTime();
                channel.writeInbound(Unpooled.buffer(4).writeInt(n));
                for (int off = 0; off < n; off += chunk.length) {
                    channel.writeInbound(Unpooled.wrappedBuffer(chunk));
                }
                ByteBuf frame = channel.readInbound();
                long ms = (System.nanoTime() - start) / 1_000_000;
                System.out.printf("%4d MiB frame in 64 KiB reads, %-8s cumulator: %6d ms (%d bytes)%n",
                        mib, doubling ? "doubling" : "default", ms, frame.readableBytes());
                frame.release();
                channel.finishAndReleaseAll();
            }
        }
    }
}
