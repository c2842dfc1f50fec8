package io.picklebridge.wire;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;

import java.util.List;

/**
 * Splits the byte stream into the frames of Python's {@code multiprocessing.connection}
 * ({@code Connection.recv_bytes}). Emits each payload as a {@link ByteBuf} that is a retained
 * slice of the received bytes (no copy), or, for a large payload that arrived in many reads,
 * one buffer they are joined into (one copy, made when the last byte has arrived); the next
 * handler releases it.
 *
 * <pre>
 * short frame (payload of at most 0x7fffffff bytes):
 * +-----------------------------+--------------------+
 * | length: int32, big-endian   | payload            |      00 00 00 05 68 65 6c 6c 6f
 * +-----------------------------+--------------------+      -> "hello"
 *
 * long frame (what Python sends for more than 0x7fffffff bytes):
 * +-------------+-----------------------------+---------+
 * | ff ff ff ff | length: uint64, big-endian  | payload |   ff ff ff ff 00 00 00 00 80 00 00 00 ...
 * +-------------+-----------------------------+---------+
 * </pre>
 *
 * <p>The declared length is checked against {@link #maxFrameLength()} as soon as the header is
 * read, before any payload is buffered, and nothing is allocated up front: the payload is
 * accumulated as it arrives. A length above the maximum raises {@link FrameTooLongException};
 * a negative int32 length other than {@code -1} raises {@link CorruptFrameException}. Both reach
 * the pipeline through {@code exceptionCaught}; after either, this decoder discards every
 * further byte of the connection, and the application should send a connection-level error if
 * it wants to and close the channel. One instance per channel.
 *
 * <pre>{@code
 * pipeline.addLast("frameDecoder", new FrameDecoder(64 << 20));
 * pipeline.addLast("frameEncoder", FrameEncoder.INSTANCE);
 * }</pre>
 */
public final class FrameDecoder extends ByteToMessageDecoder {
    /** Default maximum payload length: 512 MiB. */
    public static final int DEFAULT_MAX_FRAME_LENGTH = 512 << 20;
    /**
     * Largest maximum this decoder accepts: a Netty buffer holds at most {@code 2^31-1} bytes,
     * and the header shares the accumulation buffer with the payload.
     */
    public static final int LARGEST_MAX_FRAME_LENGTH = Integer.MAX_VALUE - 16;

    private static final int SHORT_HEADER = 4;
    private static final int LONG_HEADER = 12;

    private int maxFrameLength;
    private long pendingPayloadLength = -1; // >= 0 once a header is read and its payload is awaited
    private boolean failed;

    /** A decoder accepting frames of up to {@value #DEFAULT_MAX_FRAME_LENGTH} bytes. */
    public FrameDecoder() {
        this(DEFAULT_MAX_FRAME_LENGTH);
    }

    /** A decoder accepting frames of up to {@code maxFrameLength} payload bytes. */
    public FrameDecoder(int maxFrameLength) {
        maxFrameLength(maxFrameLength);
        setCumulator(largeFramesByReference);
    }

    /** A payload at least this long is gathered by reference and joined once, when complete. */
    static final int LARGE_PAYLOAD = 256 << 10;
    /** Largest payload joined into direct memory; larger ones are joined on the heap. */
    static final int JOIN_DIRECT_UP_TO = 16 << 20;

    /**
     * Copies small reads into one buffer (Netty's default), but adds to a composite once a
     * header has announced a large payload (or 1 MiB is pending): merging would grow the buffer
     * by doubling, copying a 1 MiB frame twice over and a 64 MiB one some 16 times. The complete
     * large frame is joined into one buffer (of the size now arrived) by {@link #decode}.
     */
    private final Cumulator largeFramesByReference = (alloc, cumulation, in) ->
            pendingPayloadLength >= LARGE_PAYLOAD || cumulation.readableBytes() >= (1 << 20)
                    ? COMPOSITE_CUMULATOR.cumulate(alloc, cumulation, in)
                    : MERGE_CUMULATOR.cumulate(alloc, cumulation, in);

    /** The largest payload accepted, in bytes. */
    public int maxFrameLength() {
        return maxFrameLength;
    }

    /**
     * Changes the largest payload accepted, from the next frame header on (the handshake
     * handlers lower it to 256 bytes while they run). Call from the channel's event loop.
     */
    public void maxFrameLength(int maxFrameLength) {
        if (maxFrameLength < 0 || maxFrameLength > LARGEST_MAX_FRAME_LENGTH) {
            throw new IllegalArgumentException("maxFrameLength must be 0 to " + LARGEST_MAX_FRAME_LENGTH
                    + ", got " + maxFrameLength);
        }
        this.maxFrameLength = maxFrameLength;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (pendingPayloadLength < 0 && !readHeader(in)) {
            return;
        }
        if (in.readableBytes() < pendingPayloadLength) {
            return;
        }
        int length = (int) pendingPayloadLength;
        pendingPayloadLength = -1;
        if (length >= LARGE_PAYLOAD && in.nioBufferCount() != 1) {
            // gathered by reference: join it once, so the codec reads one buffer (a composite's
            // nioBuffer() would copy it into a fresh, zeroed heap array); a pooled direct buffer
            // up to 16 MiB, a heap one above (the reads it joins already hold as much direct memory)
            ByteBuf joined = length <= JOIN_DIRECT_UP_TO
                    ? ctx.alloc().directBuffer(length, length)
                    : ctx.alloc().heapBuffer(length, length);
            try {
                joined.writeBytes(in, length);
            } catch (RuntimeException | Error e) {
                joined.release();
                throw e;
            }
            out.add(joined);
            return;
        }
        out.add(in.readRetainedSlice(length));
    }

    /** Reads a complete header if there is one; returns false when more bytes are needed. */
    private boolean readHeader(ByteBuf in) {
        if (in.readableBytes() < SHORT_HEADER) {
            return false;
        }
        int start = in.readerIndex();
        int shortLength = in.getInt(start);
        long length;
        int headerSize;
        if (shortLength >= 0) {
            length = shortLength;
            headerSize = SHORT_HEADER;
        } else if (shortLength == -1) {
            if (in.readableBytes() < LONG_HEADER) {
                return false;
            }
            length = in.getLong(start + SHORT_HEADER);
            if (length < 0) { // uint64 above Long.MAX_VALUE
                throw fail(in, new FrameTooLongException(Long.MAX_VALUE, maxFrameLength));
            }
            headerSize = LONG_HEADER;
        } else {
            throw fail(in, new CorruptFrameException("negative frame length " + shortLength
                    + " (only -1, announcing a uint64 length, is valid)"));
        }
        if (length > maxFrameLength) {
            throw fail(in, new FrameTooLongException(length, maxFrameLength));
        }
        in.skipBytes(headerSize);
        pendingPayloadLength = length;
        return true;
    }

    private WireException fail(ByteBuf in, WireException error) {
        failed = true;
        in.skipBytes(in.readableBytes());
        return error;
    }
}
