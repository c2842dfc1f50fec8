package io.picklebridge.server.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.FileDescriptor;
import io.picklebridge.pickle.PickleCodec;
import io.picklebridge.pickle.PyTuple;
import io.picklebridge.server.dispatch.Dispatcher;
import io.picklebridge.server.registry.WorkerRegistry;
import io.picklebridge.server.workers.SysWorkers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** A {@link PipeChannel} on a real epoll loop, fed and drained through real pipes. */
class PipeChannelTest {
    private static final PickleCodec CODEC = PickleCodec.defaults();

    private EventLoopGroup loop;
    private FileDescriptor[] input;   // [0] the channel reads, [1] the test writes
    private Pipe output;              // the channel writes the sink, the test reads the source
    private Dispatcher dispatcher;

    @BeforeEach
    void setUp() throws IOException {
        assumeTrue(Epoll.isAvailable(), "epoll only");
        loop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        input = FileDescriptor.pipe();
        output = Pipe.open();
        WorkerRegistry[] registry = new WorkerRegistry[1];
        registry[0] = WorkerRegistry.builder()
                .annotated(new SysWorkers(() -> registry[0].all(), Map::of))
                .worker("test.identity", (args, kwargs) -> args.get(0)) // on the worker threads
                .build();
        dispatcher = new Dispatcher(registry[0], CODEC, 1, 16, 0, LinkedHashMap::new);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (loop == null) return;
        dispatcher.shutdown(Duration.ZERO);
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        input[0].close();
        if (input[1].isOpen()) input[1].close();
        output.sink().close();
        output.source().close();
    }

    private PipeChannel open() {
        PipeChannel channel = new PipeChannel(input[0], output.sink());
        channel.pipeline().addLast(new ServerPipeline(dispatcher, 16 << 20, null, null));
        loop.register(channel).syncUninterruptibly();
        return channel;
    }

    private void send(Object message) throws IOException {
        byte[] pickle = CODEC.dumps(message, 5);
        ByteBuffer frame = ByteBuffer.allocateDirect(4 + pickle.length).putInt(pickle.length).put(pickle).flip();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (frame.hasRemaining()) { // the pipe is non-blocking: 0 while it is full
            int n = input[1].write(frame, frame.position(), frame.limit());
            frame.position(frame.position() + n);
            if (n == 0 && System.nanoTime() > deadline) throw new IOException("the channel stopped reading");
            if (n == 0) Thread.onSpinWait();
        }
    }

    private Object receive() throws IOException {
        ByteBuffer header = readFully(4);
        return CODEC.loads(readFully(header.getInt()));
    }

    private ByteBuffer readFully(int n) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(n);
        while (buf.hasRemaining()) {
            if (output.source().read(buf) < 0) throw new EOFException("the channel's output closed");
        }
        return buf.flip();
    }

    @Test
    void callsGoInThroughOnePipeAndRepliesComeOutOfTheOther() throws IOException {
        open();
        send(PyTuple.of("call", 1L, "sys.echo", PyTuple.of(PyTuple.of(1L, "two", 3.0)), Map.of()));
        assertEquals(PyTuple.of("result", 1L, PyTuple.of(1L, "two", 3.0)), receive());
        send(PyTuple.of("call", 2L, "test.identity", PyTuple.of(List.of(7L)), Map.of()));
        assertEquals(PyTuple.of("result", 2L, List.of(7L)), receive(), "a reply from a worker thread");
        byte[] big = new byte[3 << 20]; // several reads and writes, larger than the pipe buffers
        big[big.length - 1] = 42;
        send(PyTuple.of("call", 3L, "sys.echo", PyTuple.of(big), Map.of()));
        PyTuple reply = (PyTuple) receive();
        assertEquals(3L, reply.get(1));
        byte[] echoed = (byte[]) reply.get(2);
        assertEquals(big.length, echoed.length);
        assertEquals(42, echoed[echoed.length - 1]);
    }

    @Test
    void pipelinedCallsAreAllAnswered() throws IOException {
        open();
        for (long id = 1; id <= 200; id++) send(PyTuple.of("call", id, "sys.echo", PyTuple.of(id), Map.of()));
        long sum = 0;
        for (int i = 0; i < 200; i++) sum += (Long) ((PyTuple) receive()).get(2);
        assertEquals(200L * 201 / 2, sum);
    }

    @Test
    void endOfFileOnTheInputClosesTheChannel() throws IOException {
        Channel channel = open();
        send(PyTuple.of("ping", "x"));
        assertEquals(PyTuple.of("pong", "x"), receive());
        input[1].close();
        assertTrue(channel.closeFuture().awaitUninterruptibly(10, TimeUnit.SECONDS), "closed on end of file");
        assertFalse(channel.isActive());
    }

    @Test
    void withAutoReadOffNothingIsReadUntilItIsBackOn() throws Exception {
        PipeChannel channel = new PipeChannel(input[0], output.sink());
        List<Object> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        channel.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                seen.add(((ByteBuf) msg).readableBytes());
                ((ByteBuf) msg).release();
            }
        });
        channel.config().setAutoRead(false);
        loop.register(channel).syncUninterruptibly();
        ByteBuffer bytes = ByteBuffer.allocateDirect(5).put(new byte[5]).flip();
        input[1].write(bytes, 0, 5);
        // a round trip through the loop: had it been watching the pipe, the read would come first
        channel.eventLoop().submit(() -> { }).syncUninterruptibly();
        channel.eventLoop().submit(() -> { }).syncUninterruptibly();
        assertEquals(List.of(), seen);
        channel.config().setAutoRead(true);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (seen.isEmpty() && System.nanoTime() < deadline) Thread.sleep(5);
        assertEquals(List.of(5), seen);
        channel.close().syncUninterruptibly();
    }

    @Test
    void whileBytesAreWaitingOneReadinessReadsThemAllAndEndsOneBatch() throws Exception {
        assertEquals(List.of(10, 1), readsAndBatchesOf(10 * 1024, () -> 1)); // the test pipe is non-blocking: drained, a read finds 0
    }

    @Test
    void withoutAWaitingCheckEachReadinessReadsOnce() throws Exception {
        assertEquals(List.of(10, 10), readsAndBatchesOf(10 * 1024, () -> 0));
    }

    /** Reads and read batches (channelReadComplete) for {@code size} bytes already in the pipe, read 1 KiB at a time. */
    private List<Integer> readsAndBatchesOf(int size, PipeChannel.Waiting waiting) throws Exception {
        PipeChannel channel = new PipeChannel(input[0], output.sink(), waiting);
        int[] counts = new int[2];
        java.util.concurrent.atomic.AtomicInteger bytes = new java.util.concurrent.atomic.AtomicInteger();
        channel.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                counts[0]++;
                bytes.addAndGet(((ByteBuf) msg).readableBytes());
                ((ByteBuf) msg).release();
            }

            @Override
            public void channelReadComplete(ChannelHandlerContext ctx) {
                counts[1]++;
            }
        });
        channel.config().setRecvByteBufAllocator(new io.netty.channel.FixedRecvByteBufAllocator(1024).maxMessagesPerRead(16));
        channel.config().setAutoRead(false);
        loop.register(channel).syncUninterruptibly();
        ByteBuffer data = ByteBuffer.allocateDirect(size).put(new byte[size]).flip();
        while (data.hasRemaining()) data.position(data.position() + input[1].write(data, data.position(), data.limit()));
        channel.config().setAutoRead(true);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (bytes.get() < size && System.nanoTime() < deadline) Thread.sleep(5);
        channel.close().syncUninterruptibly();
        return channel.eventLoop().submit(() -> List.of(counts[0], counts[1])).get(10, TimeUnit.SECONDS);
    }
}
