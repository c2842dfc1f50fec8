package io.picklebridge.server.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.AbstractChannel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelMetadata;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultChannelConfig;
import io.netty.channel.EventLoop;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.unix.FileDescriptor;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.GatheringByteChannel;

/**
 * One connection over a pair of pipes (a spawned JVM's stdin and stdout) on an epoll event
 * loop: the loop that reads a request also runs the pipeline, an inline worker and the write
 * of the reply, with no other thread involved (a pump thread and an in-JVM channel cost
 * several thread wake-ups per call).
 *
 * <p>Reading: the input fd is watched level-triggered; each readiness reads into buffers sized by
 * the channel's {@link RecvByteBufAllocator}: once, then again only while a {@link Waiting}
 * check says bytes are waiting (so a blocking fd never blocks the loop).
 * While auto-read is off the fd is not watched: the parent's writes then block, which is the
 * backpressure of a pipe. End of file closes the channel. Writing: replies are written to the
 * output with gathering writes; a full pipe (the parent not reading) blocks the loop, which
 * serves this one connection only.
 *
 * <pre>{@code
 * IoEventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
 * PipeChannel stdio = new PipeChannel(new FileDescriptor(0), stdoutChannel);
 * stdio.pipeline().addLast(serverPipeline);
 * loop.register(stdio);
 * }</pre>
 */
public final class PipeChannel extends AbstractChannel {
    private static final ChannelMetadata METADATA = new ChannelMetadata(false, 16);

    private final FileDescriptor in;
    private final GatheringByteChannel out;
    private final Waiting waiting;
    private final ChannelConfig config = new DefaultChannelConfig(this) {
        @Override
        protected void autoReadCleared() {
            if (!isRegistered()) return; // not watching yet; registration only watches with auto-read on
            if (eventLoop().inEventLoop()) stopReading();
            else eventLoop().execute(PipeChannel.this::stopReading);
        }
    };
    private final Handle handle = new Handle();
    private volatile boolean open = true;
    private IoRegistration registration; // event loop only
    private boolean reading; // event loop only: the input fd is watched

    /**
     * A channel that reads once per readiness.
     *
     * @param in  the input fd (stdin: {@code new FileDescriptor(0)}); read only when epoll says it is readable
     * @param out where replies go (stdout: {@code new FileOutputStream(FileDescriptor.out).getChannel()})
     */
    public PipeChannel(FileDescriptor in, GatheringByteChannel out) {
        this(in, out, () -> 0);
    }

    /**
     * @param waiting how many bytes {@code in} holds now, without blocking (stdin:
     *                {@code new FileInputStream(FileDescriptor.in)::available}, FIONREAD); while
     *                it is positive after a read that filled its buffer, the channel reads again
     */
    public PipeChannel(FileDescriptor in, GatheringByteChannel out, Waiting waiting) {
        super(null);
        this.in = in;
        this.out = out;
        this.waiting = waiting;
    }

    /** How many bytes the input holds right now (0 when unknown); must not block. */
    @FunctionalInterface
    public interface Waiting {
        int bytes() throws IOException;
    }

    @Override
    protected AbstractUnsafe newUnsafe() {
        return new PipeUnsafe();
    }

    @Override
    protected boolean isCompatible(EventLoop loop) {
        return loop instanceof IoEventLoop io && io.isCompatible(Handle.class);
    }

    @Override
    protected void doRegister(ChannelPromise promise) {
        ((IoEventLoop) eventLoop()).register(handle).addListener(f -> {
            if (f.isSuccess()) {
                registration = (IoRegistration) f.getNow();
                promise.setSuccess();
            } else {
                promise.setFailure(f.cause());
            }
        });
    }

    @Override
    protected void doBeginRead() {
        if (!reading && registration != null && registration.isValid()) {
            reading = true;
            registration.submit(EpollIoOps.EPOLLIN);
        }
    }

    private void stopReading() {
        if (reading && registration != null && registration.isValid()) {
            reading = false;
            registration.submit(EpollIoOps.EPOLLERR); // NONE would take the fd out of epoll for good
        }
    }

    @Override
    protected void doWrite(ChannelOutboundBuffer buffer) throws Exception {
        for (;;) {
            ByteBuffer[] buffers = buffer.nioBuffers();
            int count = buffer.nioBufferCount();
            if (count == 0) {
                // nothing readable left (empty buffers, or a message that is not a ByteBuf)
                Object msg = buffer.current();
                if (msg == null) return;
                if (msg instanceof ByteBuf b && !b.isReadable()) {
                    buffer.remove();
                    continue;
                }
                buffer.remove(new UnsupportedOperationException("unsupported message type: " + msg.getClass().getName()));
                continue;
            }
            long size = buffer.nioBufferSize();
            long written = 0;
            while (written < size) {
                long n = out.write(buffers, 0, count); // blocking: a full pipe waits for the parent
                if (n < 0) throw new ClosedChannelException();
                written += n;
            }
            buffer.removeBytes(written);
        }
    }

    @Override
    protected void doClose() throws Exception {
        if (!open) return;
        open = false;
        if (registration != null) registration.cancel();
    }

    @Override
    protected void doDeregister() {
        if (registration != null) registration.cancel();
    }

    @Override
    protected SocketAddress localAddress0() {
        return null;
    }

    @Override
    protected SocketAddress remoteAddress0() {
        return null;
    }

    @Override
    protected void doBind(SocketAddress localAddress) {
        throw new UnsupportedOperationException("a pipe channel cannot be bound");
    }

    @Override
    protected void doDisconnect() throws Exception {
        doClose();
    }

    @Override
    public ChannelConfig config() {
        return config;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public boolean isActive() {
        return open;
    }

    @Override
    public ChannelMetadata metadata() {
        return METADATA;
    }

    /**
     * Reads what is ready, fires each read and then the end of the batch. A read that filled its
     * buffer is followed by another while the input says more bytes are waiting (up to the
     * channel's messages-per-read), so a large frame or a burst of calls costs one wake-up of
     * the loop instead of one per buffer. Event loop only.
     */
    private void readReady() {
        ChannelPipeline pipeline = pipeline();
        RecvByteBufAllocator.Handle allocation = unsafe().recvBufAllocHandle();
        allocation.reset(config);
        boolean endOfFile = false;
        boolean readSome = false;
        do {
            ByteBuf buf = allocation.allocate(config.getAllocator());
            allocation.attemptedBytesRead(buf.writableBytes());
            int n;
            try {
                ByteBuffer target = buf.internalNioBuffer(buf.writerIndex(), buf.writableBytes());
                n = in.read(target, target.position(), target.limit());
            } catch (IOException | RuntimeException e) {
                buf.release();
                if (readSome) pipeline.fireChannelReadComplete();
                pipeline.fireExceptionCaught(e);
                unsafe().close(unsafe().voidPromise());
                return;
            }
            if (n <= 0) {
                buf.release();
                endOfFile = n < 0; // the parent is gone
                break;
            }
            buf.writerIndex(buf.writerIndex() + n);
            allocation.lastBytesRead(n);
            allocation.incMessagesRead(1);
            readSome = true;
            pipeline.fireChannelRead(buf);
        } while (open && allocation.continueReading() && moreWaiting());
        if (readSome) {
            allocation.readComplete();
            pipeline.fireChannelReadComplete();
        }
        if (endOfFile) {
            unsafe().close(unsafe().voidPromise());
            return;
        }
        if (!config.isAutoRead()) stopReading();
    }

    private boolean moreWaiting() {
        try {
            return waiting.bytes() > 0;
        } catch (IOException e) {
            return false; // the next readiness reports it
        }
    }

    private final class PipeUnsafe extends AbstractUnsafe {
        @Override
        public void connect(SocketAddress remote, SocketAddress local, ChannelPromise promise) {
            promise.setFailure(new UnsupportedOperationException("a pipe channel is connected already"));
        }
    }

    /** The input fd as epoll sees it. */
    private final class Handle implements EpollIoHandle {
        @Override
        public FileDescriptor fd() {
            return in;
        }

        @Override
        public void handle(IoRegistration registration, IoEvent event) {
            // EPOLLIN, or EPOLLHUP/EPOLLERR (reported even while not watched): a read finds
            // the data, the end of file or the error
            if (open) readReady();
        }

        @Override
        public void close() {
            if (open) unsafe().close(unsafe().voidPromise());
        }
    }
}
