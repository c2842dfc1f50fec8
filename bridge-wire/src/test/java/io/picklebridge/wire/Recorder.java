package io.picklebridge.wire;

import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Test sink at the end of a pipeline: keeps what reaches it (messages are kept, not released),
 * by category for EmbeddedChannel tests and in arrival order for real-socket tests.
 */
@Sharable
final class Recorder extends ChannelInboundHandlerAdapter {
    final List<Object> messages = new CopyOnWriteArrayList<>();
    final List<Object> events = new CopyOnWriteArrayList<>();
    final List<Throwable> errors = new CopyOnWriteArrayList<>();
    private final BlockingQueue<Object> arrivals = new LinkedBlockingQueue<>();

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        messages.add(msg);
        arrivals.add(msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        events.add(evt);
        arrivals.add(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        errors.add(cause);
        arrivals.add(cause);
    }

    /** The next message, event or exception to arrive, waiting at most 10 s. */
    Object next() throws InterruptedException {
        Object o = arrivals.poll(10, TimeUnit.SECONDS);
        if (o == null) throw new AssertionError("nothing arrived in 10 s");
        return o;
    }
}
