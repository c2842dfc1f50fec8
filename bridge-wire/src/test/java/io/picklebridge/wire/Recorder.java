package io.picklebridge.wire;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.util.ArrayList;
import java.util.List;

/** Test sink at the end of a pipeline: keeps what reaches it (messages are kept, not released). */
final class Recorder extends ChannelInboundHandlerAdapter {
    final List<Object> messages = new ArrayList<>();
    final List<Object> events = new ArrayList<>();
    final List<Throwable> errors = new ArrayList<>();

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        messages.add(msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        events.add(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        errors.add(cause);
    }
}
