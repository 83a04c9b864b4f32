package dev.ferry.nbd.codec;

import static dev.ferry.nbd.NbdConstants.NBD_CMD_FLAG_PAYLOAD_LEN;
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
 * <p>A valid WRITE payload is received only once the server's {@link PayloadBudget} has room for its whole length
 * (AWAIT_BUDGET until then, reading nothing more: see {@link #admitAwaitedPayload}); the reservation is given back
 * when the payload is complete or the connection closes.
 *
 * <p>A valid WRITE payload (at most the maximum payload) is copied, as its bytes arrive, into one
 * contiguous pooled direct buffer that the request then owns, so an export can hand it to positional file
 * I/O without a further copy. The buffer starts at {@link #PAYLOAD_PREALLOCATION} bytes at most and doubles
 * (up to the payload length) only as bytes arrive, so a claimed length alone never allocates more than
 * that. On a channel whose read allocator is a {@link PayloadRecvByteBufAllocator}, the socket is read
 * straight into that buffer ({@link #payloadReadTarget()}), so the payload is not copied at all in user
 * space. The cumulation uses {@link #COMPOSITE_CUMULATOR}, so bytes read after a partial header are not
 * copied into it first. With extended headers, NBD_CMD_FLAG_PAYLOAD_LEN marks a payload on any command; a command
 * other than WRITE never accepts one (BLOCK_STAT_PAYLOAD is not offered), so it is rejected. A rejected
 * request's payload is skipped as it arrives if it fits {@link #MAX_PAYLOAD_SKIP}; a larger one cannot be
 * kept in sync and the rejection asks for a close. A bad magic loses the framing: one {@link FramingLost} is
 * emitted and all further input is discarded.
 */
public final class RequestDecoder extends ByteToMessageDecoder {

    /** Length of a compact request header. */
    public static final int COMPACT_HEADER_LENGTH = 28;
    /** Length of an extended request header. */
    public static final int EXTENDED_HEADER_LENGTH = 32;
    /** Largest rejected WRITE payload skipped to keep the stream in sync (as nbdkit: 128 MiB). */
    public static final long MAX_PAYLOAD_SKIP = 128L * 1024 * 1024;
    /** Most bytes of a WRITE payload buffer allocated before its bytes arrive. */
    public static final int PAYLOAD_PREALLOCATION = 4 * 1024 * 1024;

    /** Decoder states. */
    enum State {
        /** Waiting for a full request header. */
        READ_HEADER,
        /** A valid WRITE's header arrived; its payload waits, unread, for room in the {@link PayloadBudget}. */
        AWAIT_BUDGET,
        /** Filling {@code payload} with an accepted WRITE payload as it arrives (copied, or read into it). */
        READ_PAYLOAD,
        /** Discarding {@code skipRemaining} bytes of a rejected WRITE payload as they arrive. */
        SKIP_PAYLOAD,
        /** Framing lost; all input is discarded until the connection closes. */
        DISCARD
    }

    private final NegotiatedSession session;
    private final PayloadBudget budget;
    private final int headerLength;
    private State state = State.READ_HEADER;
    private RequestHeader pending;
    private ByteBuf payload;
    /** The last read target handed out; the socket read it fills comes back as this very buffer. */
    private ByteBuf lent;
    private long skipRemaining;

    /** Bytes of {@link #budget} this decoder holds: the length of the payload being received, else 0. */
    private long reserved;

    /** Creates a decoder for requests of a connection that negotiated {@code session}, with no payload budget. */
    public RequestDecoder(NegotiatedSession session) {
        this(session, PayloadBudget.unlimited());
    }

    /** Creates a decoder whose WRITE payloads are received only within {@code budget} (shared by connections). */
    public RequestDecoder(NegotiatedSession session, PayloadBudget budget) {
        this.session = session;
        this.budget = budget;
        this.headerLength = session.extendedHeaders() ? EXTENDED_HEADER_LENGTH : COMPACT_HEADER_LENGTH;
        setCumulator(COMPOSITE_CUMULATOR);
    }

    /** True while part of a request has arrived and the rest has not (a partial header or an unfinished payload). */
    public boolean midRequest() {
        return state == State.READ_PAYLOAD || state == State.SKIP_PAYLOAD || state == State.AWAIT_BUDGET
                || state == State.READ_HEADER && actualReadableBytes() > 0;
    }

    /** True while a WRITE's payload waits for room in the budget: nothing more should be read meanwhile. */
    public boolean awaitingBudget() {
        return state == State.AWAIT_BUDGET;
    }

    /** The length of the payload waiting for room in the budget (0 when none waits). */
    public long awaitedBytes() {
        return state == State.AWAIT_BUDGET ? pending.length() : 0;
    }

    /**
     * Admits the waiting payload if the budget has room for it now: reserves its length and allocates its buffer;
     * the caller then passes on any bytes already buffered. False if it must wait on.
     */
    public boolean admitAwaitedPayload(ChannelHandlerContext ctx) {
        if (state != State.AWAIT_BUDGET || !budget.tryReserve(pending.length())) {
            return false;
        }
        int n = (int) pending.length(); // validated: at most the maximum payload
        reserved = n;
        payload = ctx.alloc().directBuffer(Math.min(n, PAYLOAD_PREALLOCATION), n);
        state = State.READ_PAYLOAD;
        return true;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        switch (state) {
            case READ_HEADER -> readHeader(ctx, in, out);
            case AWAIT_BUDGET -> admitAwaitedPayload(ctx);
            case READ_PAYLOAD -> readPayload(in, out);
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

    private void readHeader(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
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
        // with extended headers PAYLOAD_LEN marks a payload on any command: skip one we do not accept
        boolean hasPayload = type == NBD_CMD_WRITE
                || (session.extendedHeaders() && (flags & NBD_CMD_FLAG_PAYLOAD_LEN) != 0);
        if (rejected == null) {
            if (hasPayload && length > 0) {
                pending = header;
                state = State.AWAIT_BUDGET;
                admitAwaitedPayload(ctx);
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

    private void readPayload(ByteBuf in, List<Object> out) {
        if (in == lent) { // the socket was read straight into the payload: nothing to copy
            lent = null;
            payload.writerIndex(payload.writerIndex() + in.readableBytes());
            in.skipBytes(in.readableBytes());
        } else {
            copyPayload(in);
        }
        if (payload.writerIndex() == payload.maxCapacity()) {
            out.add(new NbdRequest(pending, payload));
            pending = null;
            payload = null;
            state = State.READ_HEADER;
            budget.release(reserved);
            reserved = 0;
        }
    }

    private void copyPayload(ByteBuf in) {
        int n = Math.min(payload.maxWritableBytes(), in.readableBytes());
        if (n > payload.writableBytes()) {
            // doubling keeps the copying of a growing payload O(length); never beyond the payload length
            payload.capacity(Math.min(payload.maxCapacity(), Math.max(payload.writerIndex() + n,
                    2 * payload.capacity())));
        }
        payload.writeBytes(in, n);
    }

    /**
     * Where the next socket read should go: while a WRITE payload is awaited and nothing else is buffered,
     * an empty view of the payload buffer's unfilled (already allocated) part, sharing its reference count,
     * which the read then passes back through {@link #channelRead}; otherwise null. Event loop only.
     */
    ByteBuf payloadReadTarget() {
        if (state != State.READ_PAYLOAD || !payload.isWritable() || internalBuffer().isReadable()) {
            return null;
        }
        // an unpooled view object: a recycled one could later pose as this target
        lent = payload.slice(payload.writerIndex(), payload.writableBytes()).clear().retain();
        return lent;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().config().getRecvByteBufAllocator() instanceof PayloadRecvByteBufAllocator a) {
            a.attach(this);
        }
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        if (ctx.channel().config().getRecvByteBufAllocator() instanceof PayloadRecvByteBufAllocator a) {
            a.detach(this);
        }
        lent = null;
        if (payload != null) {
            payload.release();
            payload = null;
        }
        if (reserved != 0) {
            budget.release(reserved);
            reserved = 0;
        }
    }

    /** The current state (for tests and diagnostics). */
    State state() {
        return state;
    }

    /** Bytes currently held in the cumulation and a partial WRITE payload (for tests: must stay bounded). */
    int bufferedBytes() {
        return internalBuffer().readableBytes() + (payload == null ? 0 : payload.capacity());
    }
}
