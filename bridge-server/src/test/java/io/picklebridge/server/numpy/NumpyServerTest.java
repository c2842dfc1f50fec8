package io.picklebridge.server.numpy;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.picklebridge.pickle.PickleCodec;
import io.picklebridge.pickle.numpy.DataFrame;
import io.picklebridge.pickle.numpy.NdArray;
import io.picklebridge.pickle.numpy.NumpyScalar;
import io.picklebridge.pickle.numpy.NumpySupport;
import io.picklebridge.server.BridgeServer;
import io.picklebridge.server.registry.BridgeWorkers;
import io.picklebridge.server.registry.Work;
import io.picklebridge.wire.Call;
import io.picklebridge.wire.ErrorReply;
import io.picklebridge.wire.Hello;
import io.picklebridge.wire.Message;
import io.picklebridge.wire.OutOfBand;
import io.picklebridge.wire.Result;
import io.picklebridge.wire.WirePipeline;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * numpy arguments reach Java workers as the parameter asks (double[], long[], DoubleBuffer,
 * ByteBuffer, NdArray, numpy scalars as numbers), and arrays and frames echo back, over a real
 * TCP server whose client negotiated the out-of-band extension (a Netty client on the wire
 * classes with {@link OutOfBand} installed).
 */
class NumpyServerTest {
    private static final PickleCodec CODEC = NumpySupport.codec();
    private static BridgeServer server;
    private static EventLoopGroup group;
    private static Channel channel;
    private static final BlockingQueue<Object> replies = new LinkedBlockingQueue<>();

    /** Workers taking numpy data in the forms a Java programmer would write. */
    @BridgeWorkers("np")
    public static final class NumpyWorkers {
        private NumpyWorkers() {}

        @Work("total")
        public static double total(double[] xs) {
            double t = 0;
            for (double x : xs) t += x;
            return t;
        }

        @Work("longs")
        public static long longs(long[] xs) {
            return xs.length == 0 ? -1 : xs[xs.length - 1];
        }

        @Work("view_total")
        public static double viewTotal(DoubleBuffer xs) {
            double t = 0;
            for (int i = xs.position(); i < xs.limit(); i++) t += xs.get(i);
            return t;
        }

        @Work("byte_count")
        public static long byteCount(ByteBuffer bytes) {
            return bytes.remaining();
        }

        @Work("shape")
        public static List<Long> shape(NdArray a) {
            List<Long> out = new ArrayList<>();
            for (int d : a.shape()) out.add((long) d);
            return out;
        }

        @Work("sum_list")
        public static double sumList(List<Double> xs) {
            return xs.stream().mapToDouble(Double::doubleValue).sum();
        }

        @Work("twice")
        public static double twice(double x) {
            return 2 * x;
        }
    }

    @BeforeAll
    static void start() throws Exception {
        server = BridgeServer.builder().listen("tcp://127.0.0.1:0").allowUnauthenticatedTcp(true).threads(2)
                .shutdownGrace(Duration.ZERO).annotated(NumpyWorkers.class).start();
        URI address = URI.create(server.addresses().get(0));
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        WirePipeline wire = WirePipeline.client().codec(CODEC).build();
        channel = new Bootstrap().group(group).channel(NioSocketChannel.class).handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                wire.install(ch.pipeline());
                OutOfBand.install(ch.pipeline(), CODEC, 1024);
                ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        replies.add(msg);
                    }

                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        replies.add(cause);
                    }
                });
            }
        }).connect(new InetSocketAddress(address.getHost(), address.getPort())).sync().channel();
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("protocol", 5L);
        List<Object> capabilities = new ArrayList<>(Hello.CAPABILITIES);
        capabilities.add(OutOfBand.CAPABILITY);
        info.put("capabilities", capabilities);
        channel.writeAndFlush(new Hello(info)).sync();
        Hello hello = assertInstanceOf(Hello.class, replies.poll(30, TimeUnit.SECONDS));
        assertTrue(hello.capabilities().contains(OutOfBand.CAPABILITY), "server hello: " + hello);
        assertTrue(OutOfBand.isNegotiated(channel));
    }

    @AfterAll
    static void stop() throws Exception {
        if (channel != null) channel.close().sync();
        if (group != null) group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        if (server != null) server.close();
    }

    private static Object call(long id, String worker, Object... args) throws InterruptedException {
        channel.writeAndFlush(Call.of(id, worker, args));
        Object reply = replies.poll(60, TimeUnit.SECONDS);
        assertNotNull(reply, "no reply to " + worker);
        Message message = assertInstanceOf(Message.class, reply);
        if (message instanceof ErrorReply error) return error;
        Result result = assertInstanceOf(Result.class, message);
        assertEquals(id, result.id());
        return result.value();
    }

    private static double[] ramp(int n) {
        double[] d = new double[n];
        for (int i = 0; i < n; i++) d[i] = i;
        return d;
    }

    @Test
    void arraysFillPrimitiveArrayAndBufferParameters() throws Exception {
        int n = 200_000; // 1.6 MB: out of band both ways
        NdArray big = NdArray.of(ramp(n));
        double expected = (double) n * (n - 1) / 2;
        assertEquals(expected, call(1, "np.total", big));
        assertEquals(expected, call(2, "np.view_total", big));
        assertEquals((long) n * 8, call(3, "np.byte_count", big));
        assertEquals(7L, call(4, "np.longs", NdArray.of(5L, 6L, 7L)));
        assertEquals(3L, call(5, "np.longs", NdArray.of(1, 2, 3)), "int32 widens to long");
        assertEquals(List.of(2L, 3L), call(6, "np.shape", NdArray.of(ramp(6)).reshape(2, 3)));
        assertEquals(3.0, call(7, "np.twice", NumpyScalar.of(1.5f)));
        assertEquals(6.0, call(8, "np.sum_list", NdArray.of(1.0, 2.0, 3.0)));
    }

    @Test
    void wrongShapesAndLossyConversionsAreTypeErrors() throws Exception {
        ErrorReply twoD = assertInstanceOf(ErrorReply.class, call(10, "np.total", NdArray.of(ramp(6)).reshape(2, 3)));
        assertEquals("TypeError", twoD.info().type());
        assertTrue(twoD.info().message().contains("1-d") && twoD.info().message().contains("numpy.ndarray"),
                twoD.info().message());
        ErrorReply floats = assertInstanceOf(ErrorReply.class, call(11, "np.longs", NdArray.of(1.5, 2.5)));
        assertEquals("TypeError", floats.info().type());
    }

    @Test
    void arraysAndFramesEchoEqual() throws Exception {
        NdArray big = NdArray.of(ramp(100_000)).reshape(1000, 100);
        assertEquals(big, call(20, "sys.echo", big));
        DataFrame frame = DataFrame.builder().column("x", NdArray.of(ramp(50_000))).column("n", NdArray.of(new long[50_000])).build();
        assertEquals(frame, call(21, "sys.echo", frame));
    }
}
