package dev.ferry.nbd.codec;

import static dev.ferry.nbd.NbdConstants.NBD_CMD_WRITE;
import static dev.ferry.nbd.NbdConstants.NBD_EXTENDED_REQUEST_MAGIC;
import static dev.ferry.nbd.NbdConstants.NBD_REQUEST_MAGIC;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Decodes transmission-phase requests (spec "Request message"), validating each header with
 * {@link RequestValidator} before any payload is awaited.
 *
 * <pre>
 * Compact request (28 bytes), without extended headers:
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +---------------------------------------------------------------+
 * |               NBD_REQUEST_MAGIC 0x25609513 (u32)              |
 * +-------------------------------+-------------------------------+
 * |     command flags (u16)       |       command type (u16)      |
 * +-------------------------------+-------------------------------+
 * |                          cookie (u64)                         |
 * +---------------------------------------------------------------+
 * |                          offset (u64)                         |
 * +---------------------------------------------------------------+
 * |                          length (u32)                         |
 * +---------------------------------------------------------------+
 * |             WRITE payload (length bytes) ...                  |
 * +---------------------------------------------------------------+
 *
 * Extended request (32 bytes), after NBD_OPT_EXTENDED_HEADERS: as above with
 * NBD_EXTENDED_REQUEST_MAGIC 0x21e41c71 and a 64-bit length.
 * </pre>
 *
 * <p>A valid WRITE payload (at most the maximum payload) is delivered as a retained slice of the
 * cumulation, which uses {@link #COMPOSITE_CUMULATOR} so a large frame is not copied while it
 * accumulates. A rejected WRITE's payload is skipped as it arrives if it fits {@link #MAX_PAYLOAD_SKIP};
 * a larger one cannot be kept in sync and the rejection asks for a close. A bad magic loses the framing:
 * one {@link FramingLost} is emitted and all further input is discarded.
 */
public final class RequestDecoder extends ByteToMessageDecoder {

    /** Length of a compact request header. */
    public static final int COMPACT_HEADER_LENGTH = 28;
    /** Length of an extended request header. */
    public static final int EXTENDED_HEADER_LENGTH = 32;
    /** Largest rejected WRITE payload skipped to keep the stream in sync (as nbdkit: 128 MiB). */
    public static final long MAX_PAYLOAD_SKIP = 128L * 1024 * 1024;

    /** Decoder states. */
    enum State {
        /** Waiting for a full request header. */
        READ_HEADER,
        /** Waiting for {@code payloadLength} bytes of an accepted WRITE payload. */
        READ_PAYLOAD,
        /** Discarding {@code skipRemaining} bytes of a rejected WRITE payload as they arrive. */
        SKIP_PAYLOAD,
        /** Framing lost; all input is discarded until the connection closes. */
        DISCARD
    }

    private final NegotiatedSession session;
    private final int headerLength;
    private State state = State.READ_HEADER;
    private RequestHeader pending;
    private long skipRemaining;

    /** Creates a decoder for requests of a connection that negotiated {@code session}. */
    public RequestDecoder(NegotiatedSession session) {
        this.session = session;
        this.headerLength = session.extendedHeaders() ? EXTENDED_HEADER_LENGTH : COMPACT_HEADER_LENGTH;
        setCumulator(COMPOSITE_CUMULATOR);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        switch (state) {
            case READ_HEADER -> readHeader(in, out);
            case READ_PAYLOAD -> {
                int length = (int) pending.length();
                if (in.readableBytes() >= length) {
                    out.add(new NbdRequest(pending, in.readRetainedSlice(length)));
                    pending = null;
                    state = State.READ_HEADER;
                }
            }
            case SKIP_PAYLOAD -> {
                int n = (int) Math.min(skipRemaining, in.readableBytes());
                in.skipBytes(n);
                skipRemaining -= n;
                if (skipRemaining == 0) {
                    state = State.READ_HEADER;
                }
            }
            case DISCARD -> in.skipBytes(in.readableBytes());
            default -> throw new IllegalStateException("unknown state " + state);
        }
    }

    private void readHeader(ByteBuf in, List<Object> out) {
        if (in.readableBytes() < headerLength) {
            return;
        }
        int magic = in.readInt();
        int flags = in.readUnsignedShort();
        int type = in.readUnsignedShort();
        long cookie = in.readLong();
        long offset = in.readLong();
        long length = session.extendedHeaders() ? in.readLong() : in.readUnsignedInt();
        int expected = session.extendedHeaders() ? NBD_EXTENDED_REQUEST_MAGIC : NBD_REQUEST_MAGIC;
        if (magic != expected) {
            state = State.DISCARD;
            in.skipBytes(in.readableBytes());
            out.add(new FramingLost(String.format("bad request magic 0x%08x (expected 0x%08x), cookie 0x%x",
                    magic, expected, cookie)));
            return;
        }
        RequestHeader header = new RequestHeader(flags, type, cookie, offset, length, session.extendedHeaders());
        RejectedRequest rejected = RequestValidator.validate(header, session);
        boolean hasPayload = type == NBD_CMD_WRITE;
        if (rejected == null) {
            if (hasPayload && length > 0) {
                pending = header;
                state = State.READ_PAYLOAD;
            } else {
                out.add(new NbdRequest(header));
            }
        } else if (!hasPayload || length == 0) {
            out.add(rejected);
        } else if (Long.compareUnsigned(length, MAX_PAYLOAD_SKIP) <= 0) {
            out.add(rejected);
            skipRemaining = length;
            state = State.SKIP_PAYLOAD;
        } else {
            out.add(new RejectedRequest(header, rejected.error(), rejected.reason()
                    + "; payload too large to skip", true));
            state = State.DISCARD;
            in.skipBytes(in.readableBytes());
        }
    }

    /** The current state (for tests and diagnostics). */
    State state() {
        return state;
    }

    /** Bytes currently held in the cumulation (for tests: must stay bounded). */
    int bufferedBytes() {
        return internalBuffer().readableBytes();
    }
}
