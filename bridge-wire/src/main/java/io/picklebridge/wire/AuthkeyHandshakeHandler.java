package io.picklebridge.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.PendingWriteQueue;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * The authkey handshake as a per-channel state machine placed right after the frame codec.
 * {@link ServerHandshakeHandler} delivers its challenge first, {@link ClientHandshakeHandler}
 * answers first; the byte rules are in {@link AuthkeyHandshake}.
 *
 * <p>While it runs it lowers the {@link FrameDecoder}'s maximum to 256 bytes, consumes every
 * inbound frame (none reaches the handlers behind it) and holds back outbound writes. On
 * success it restores the maximum, writes the held-back messages, fires
 * {@link HandshakeCompleted} and removes itself. On failure (wrong key, bad or oversized frame,
 * timeout, connection closed) it sends {@code #FAILURE#} when it was judging the peer's answer,
 * logs {@code authentication failed from <peer>: <reason>} (never the key), closes the channel,
 * fails the held-back writes and fires an {@link AuthenticationException} through
 * {@code exceptionCaught}.
 */
abstract class AuthkeyHandshakeHandler extends ChannelDuplexHandler {
    /** Default time allowed for the whole handshake. */
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    private static final Logger log = LoggerFactory.getLogger(AuthkeyHandshakeHandler.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private enum Phase { NEW, AWAIT_RESPONSE, AWAIT_CHALLENGE, AWAIT_WELCOME, DONE, FAILED }

    private final byte[] authkey;
    private final Duration timeout;
    private final boolean deliverFirst;

    private Phase phase = Phase.NEW;
    private byte[] challengeMessage;
    private String peerDigest;
    private int savedMaxFrameLength = -1;
    private FrameDecoder frameDecoder;
    private PendingWriteQueue heldBackWrites;
    private ScheduledFuture<?> timeoutTask;

    AuthkeyHandshakeHandler(byte[] authkey, Duration timeout, boolean deliverFirst) {
        Objects.requireNonNull(authkey, "authkey");
        if (authkey.length == 0) {
            throw new IllegalArgumentException("authkey must not be empty");
        }
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
        this.authkey = authkey.clone();
        this.timeout = timeout;
        this.deliverFirst = deliverFirst;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        heldBackWrites = new PendingWriteQueue(ctx);
        if (ctx.channel().isActive()) {
            start(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        start(ctx);
        super.channelActive(ctx);
    }

    private void start(ChannelHandlerContext ctx) {
        if (phase != Phase.NEW) {
            return;
        }
        frameDecoder = ctx.pipeline().get(FrameDecoder.class);
        if (frameDecoder != null) {
            savedMaxFrameLength = frameDecoder.maxFrameLength();
            frameDecoder.maxFrameLength(AuthkeyHandshake.MAX_FRAME_LENGTH);
        }
        timeoutTask = ctx.executor().schedule(
                () -> fail(ctx, "no complete handshake within " + timeout.toMillis() + " ms", null),
                timeout.toNanos(), TimeUnit.NANOSECONDS);
        if (deliverFirst) {
            sendChallenge(ctx);
        } else {
            phase = Phase.AWAIT_CHALLENGE;
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (phase == Phase.DONE) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (phase == Phase.FAILED || !(msg instanceof ByteBuf frame)) {
            ReferenceCountUtil.release(msg);
            if (phase != Phase.FAILED) {
                fail(ctx, "unexpected " + msg.getClass().getSimpleName() + " during handshake", null);
            }
            return;
        }
        byte[] bytes;
        try {
            if (frame.readableBytes() > AuthkeyHandshake.MAX_FRAME_LENGTH) {
                fail(ctx, "handshake frame of " + frame.readableBytes() + " bytes exceeds "
                        + AuthkeyHandshake.MAX_FRAME_LENGTH, null);
                return;
            }
            bytes = ByteBufUtil.getBytes(frame);
        } finally {
            frame.release();
        }
        try {
            step(ctx, bytes);
        } catch (AuthenticationException e) {
            fail(ctx, e.getMessage(), e);
        }
    }

    private void step(ChannelHandlerContext ctx, byte[] frame) {
        switch (phase) {
            case AWAIT_RESPONSE -> {
                peerDigest = AuthkeyHandshake.verify(authkey, challengeMessage, frame);
                send(ctx, AuthkeyHandshake.WELCOME);
                if (deliverFirst) {
                    phase = Phase.AWAIT_CHALLENGE;
                } else {
                    complete(ctx);
                }
            }
            case AWAIT_CHALLENGE -> {
                send(ctx, AuthkeyHandshake.answer(authkey, frame));
                phase = Phase.AWAIT_WELCOME;
            }
            case AWAIT_WELCOME -> {
                if (!Arrays.equals(frame, AuthkeyHandshake.WELCOME)) {
                    throw new AuthenticationException("digest sent was rejected");
                }
                if (deliverFirst) {
                    complete(ctx);
                } else {
                    sendChallenge(ctx);
                }
            }
            default -> throw new IllegalStateException("frame in phase " + phase);
        }
    }

    private void sendChallenge(ChannelHandlerContext ctx) {
        challengeMessage = AuthkeyHandshake.newChallengeMessage(RANDOM);
        phase = Phase.AWAIT_RESPONSE;
        send(ctx, AuthkeyHandshake.challengeFrame(challengeMessage));
    }

    private static void send(ChannelHandlerContext ctx, byte[] payload) {
        ctx.writeAndFlush(Unpooled.wrappedBuffer(payload)).addListener(ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE);
    }

    private void complete(ChannelHandlerContext ctx) {
        phase = Phase.DONE;
        cancelTimeout();
        restoreMaxFrameLength();
        heldBackWrites.removeAndWriteAll();
        ctx.flush();
        ctx.fireUserEventTriggered(new HandshakeCompleted(peerDigest));
        ctx.pipeline().remove(this);
    }

    private void fail(ChannelHandlerContext ctx, String reason, Throwable cause) {
        if (phase == Phase.NEW || phase == Phase.DONE || phase == Phase.FAILED) {
            return;
        }
        boolean judgingPeer = phase == Phase.AWAIT_RESPONSE;
        phase = Phase.FAILED;
        cancelTimeout();
        if (ctx.channel().isActive()) {
            log.warn("authentication failed from {}: {}", ctx.channel().remoteAddress(), reason);
        } else { // the peer went away (a port probe, a dying client): not worth a warning
            log.debug("connection from {} ended during the handshake: {}", ctx.channel().remoteAddress(), reason);
        }
        AuthenticationException error = cause instanceof AuthenticationException a ? a
                : new AuthenticationException(reason, cause);
        // #FAILURE# is queued before anyone (the application, told below) can close the channel
        if (judgingPeer && ctx.channel().isActive()) {
            ctx.writeAndFlush(Unpooled.wrappedBuffer(AuthkeyHandshake.FAILURE))
                    .addListener(ChannelFutureListener.CLOSE);
        }
        heldBackWrites.removeAndFailAll(error);
        ctx.fireExceptionCaught(error);
        if (!judgingPeer) {
            ctx.close();
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        switch (phase) {
            case DONE -> ctx.write(msg, promise);
            case FAILED -> {
                ReferenceCountUtil.release(msg);
                promise.setFailure(new AuthenticationException("authentication failed; nothing can be sent"));
            }
            default -> heldBackWrites.add(msg, promise);
        }
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        if (phase == Phase.DONE) {
            ctx.flush();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (phase == Phase.DONE || phase == Phase.FAILED) {
            ctx.fireExceptionCaught(cause);
            return;
        }
        fail(ctx, "bad frame during handshake: " + cause.getMessage(), cause);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        fail(ctx, "connection closed during handshake", null);
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancelTimeout();
        if (phase != Phase.DONE) {
            restoreMaxFrameLength();
            heldBackWrites.removeAndFailAll(new AuthenticationException("handshake handler removed before completion"));
        }
    }

    private void cancelTimeout() {
        if (timeoutTask != null) {
            timeoutTask.cancel(false);
            timeoutTask = null;
        }
    }

    private void restoreMaxFrameLength() {
        if (frameDecoder != null && savedMaxFrameLength >= 0) {
            frameDecoder.maxFrameLength(savedMaxFrameLength);
            savedMaxFrameLength = -1;
        }
    }
}
