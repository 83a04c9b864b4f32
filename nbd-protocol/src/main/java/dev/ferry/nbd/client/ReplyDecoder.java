package dev.ferry.nbd.client;

import static dev.ferry.nbd.NbdConstants.NBD_CMD_BLOCK_STATUS;
import static dev.ferry.nbd.NbdConstants.NBD_CMD_FLAG_REQ_ONE;
import static dev.ferry.nbd.NbdConstants.NBD_CMD_READ;
import static dev.ferry.nbd.NbdConstants.NBD_REPLY_FLAG_DONE;
import static dev.ferry.nbd.NbdConstants.NBD_REPLY_TYPE_BLOCK_STATUS;
import static dev.ferry.nbd.NbdConstants.NBD_REPLY_TYPE_BLOCK_STATUS_EXT;
import static dev.ferry.nbd.NbdConstants.NBD_REPLY_TYPE_ERROR;
import static dev.ferry.nbd.NbdConstants.NBD_REPLY_TYPE_ERROR_OFFSET;
import static dev.ferry.nbd.NbdConstants.NBD_REPLY_TYPE_NONE;
import static dev.ferry.nbd.NbdConstants.NBD_REPLY_TYPE_OFFSET_DATA;
import static dev.ferry.nbd.NbdConstants.NBD_REPLY_TYPE_OFFSET_HOLE;

import dev.ferry.nbd.NbdConstants;
import dev.ferry.nbd.export.BlockStatusExtent;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongFunction;

/**
 * Decodes transmission replies into {@link NbdReply} messages (spec "Simple reply message",
 * "Structured reply chunk message", and the extended-headers extension).
 *
 * <pre>
 * Simple reply (16 bytes; a successful READ is followed by exactly the requested length of data):
 *  0               4               8                               16
 * +---------------+---------------+-------------------------------+---------
 * | magic 67446698| error (u32)   |          cookie (u64)         | data ...
 * +---------------+---------------+-------------------------------+---------
 *
 * Structured chunk (20 bytes + payload):
 *  0               4       6       8                               16              20
 * +---------------+-------+-------+-------------------------------+---------------+---------
 * | magic 668e33ef| flags | type  |          cookie (u64)         | length (u32)  | payload
 * +---------------+-------+-------+-------------------------------+---------------+---------
 *
 * Extended chunk (32 bytes + payload):
 *  0               4       6       8                      16                      24                32
 * +---------------+-------+-------+-----------------------+-----------------------+-----------------+-------
 * | magic 6e8a278c| flags | type  |     cookie (u64)      | offset (u64, echoed)  | length (u64)    | payload
 * +---------------+-------+-------+-----------------------+-----------------------+-----------------+-------
 *
 * Payloads: OFFSET_DATA   offset u64, data (length - 8 bytes)
 *           OFFSET_HOLE   offset u64, hole size u32
 *           BLOCK_STATUS  context id u32, n x (extent length u32, flags u32)
 *           BLOCK_STATUS_EXT context id u32, count u32, n x (extent length u64, flags u64)
 *           ERROR         error u32, message length u16, message
 *           ERROR_OFFSET  error u32, message length u16, message, offset u64
 *           NONE          (empty, DONE set)
 * </pre>
 *
 * Every length is checked against the pending request (found by cookie) <em>before</em> the decoder waits
 * for, or buffers, the bytes it announces: a malicious server cannot make the client hold more than the
 * request asked for. A violation throws one {@link NbdProtocolException}; after it all input is discarded.
 */
final class ReplyDecoder extends ByteToMessageDecoder {

    /** Bytes of a simple reply header. */
    static final int SIMPLE_HEADER_LENGTH = 16;
    /** Bytes of a structured chunk header. */
    static final int STRUCTURED_HEADER_LENGTH = 20;
    /** Bytes of an extended chunk header. */
    static final int EXTENDED_HEADER_LENGTH = 32;
    /** The spec's cap on extents in one BLOCK_STATUS chunk. */
    static final int MAX_EXTENTS = 1 << 20;
    /** Largest error chunk: error, message length, a 4096-byte message and an offset. */
    static final int MAX_ERROR_CHUNK = 6 + NbdConstants.MAX_STRING_LENGTH + 8;
    private static final int ERROR_TYPE_BIT = 1 << 15;

    /** What the decoder waits for. */
    enum State {
        /** Waiting for a reply header (its length depends on the magic). */
        HEADER,
        /** A simple reply to a READ with error 0 was read; waiting for the data. */
        SIMPLE_READ_DATA,
        /** A chunk header was read and bounded; waiting for its whole payload. */
        CHUNK_PAYLOAD,
        /** The server broke the protocol; everything is discarded. */
        FAILED
    }

    private final ReplyFormat format;
    private final LongFunction<ExpectedReply> pending;
    private State state = State.HEADER;
    private long cookie;
    private int chunkFlags;
    private int chunkType;
    private int payloadLength;
    private ExpectedReply expected;

    /** A decoder for the negotiated format, looking up pending requests by cookie (null when unknown). */
    ReplyDecoder(ReplyFormat format, LongFunction<ExpectedReply> pending) {
        this.format = format;
        this.pending = pending;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        switch (state) {
            case HEADER -> {
                decodeHeader(in, out);
                if (state != State.HEADER) {
                    decodeBody(in, out); // the body may already be here, or be empty (NONE, zero-length READ)
                }
            }
            case SIMPLE_READ_DATA, CHUNK_PAYLOAD -> decodeBody(in, out);
            case FAILED -> in.skipBytes(in.readableBytes());
            default -> throw new IllegalStateException("unhandled state " + state);
        }
    }

    private void decodeBody(ByteBuf in, List<Object> out) {
        if (in.readableBytes() < payloadLength) {
            return;
        }
        if (state == State.SIMPLE_READ_DATA) {
            state = State.HEADER;
            out.add(new NbdReply.Simple(cookie, 0, in.readRetainedSlice(payloadLength)));
        } else {
            ByteBuf payload = in.readSlice(payloadLength);
            state = State.HEADER;
            out.add(decodePayload(in, payload));
        }
    }

    private void decodeHeader(ByteBuf in, List<Object> out) {
        if (in.readableBytes() < 4) {
            return;
        }
        int magic = in.getInt(in.readerIndex());
        if (magic == NbdConstants.NBD_SIMPLE_REPLY_MAGIC) {
            if (format == ReplyFormat.EXTENDED) {
                throw fail(in, "simple reply after extended headers were negotiated");
            }
            if (in.readableBytes() >= SIMPLE_HEADER_LENGTH) {
                decodeSimple(in, out);
            }
        } else if (magic == NbdConstants.NBD_STRUCTURED_REPLY_MAGIC && format == ReplyFormat.STRUCTURED) {
            if (in.readableBytes() >= STRUCTURED_HEADER_LENGTH) {
                in.skipBytes(4);
                readChunkHeader(in, false);
            }
        } else if (magic == NbdConstants.NBD_EXTENDED_REPLY_MAGIC && format == ReplyFormat.EXTENDED) {
            if (in.readableBytes() >= EXTENDED_HEADER_LENGTH) {
                in.skipBytes(4);
                readChunkHeader(in, true);
            }
        } else {
            throw fail(in, "bad reply magic 0x" + Integer.toHexString(magic) + " for " + format + " replies");
        }
    }

    private void decodeSimple(ByteBuf in, List<Object> out) {
        in.skipBytes(4);
        int error = in.readInt();
        cookie = in.readLong();
        ExpectedReply exp = lookup(in, "simple reply");
        if (exp.type() == NBD_CMD_READ && format != ReplyFormat.SIMPLE) {
            throw fail(in, "simple reply to READ cookie " + cookieText() + " after structured replies were negotiated");
        }
        if (exp.type() != NBD_CMD_READ || error != 0) {
            out.add(new NbdReply.Simple(cookie, error, null));
            return;
        }
        if (exp.length() > Integer.MAX_VALUE) {
            throw fail(in, "READ cookie " + cookieText() + " of " + exp.length() + " bytes cannot get a simple reply");
        }
        payloadLength = (int) exp.length();
        state = State.SIMPLE_READ_DATA;
    }

    private void readChunkHeader(ByteBuf in, boolean extendedHeader) {
        chunkFlags = in.readUnsignedShort();
        chunkType = in.readUnsignedShort();
        cookie = in.readLong();
        long length;
        if (extendedHeader) {
            long echoedOffset = in.readLong();
            length = in.readLong();
            expected = lookup(in, "chunk " + chunkType);
            if (echoedOffset != expected.offset()) {
                throw fail(in, "extended reply for cookie " + cookieText() + " echoes offset " + echoedOffset
                        + ", request offset was " + expected.offset());
            }
        } else {
            length = in.readUnsignedInt();
            expected = lookup(in, "chunk " + chunkType);
        }
        long max = maxPayload(in, length);
        if (length < 0 || length > max) {
            throw fail(in, chunkName() + " for cookie " + cookieText() + " claims " + Long.toUnsignedString(length)
                    + " bytes; at most " + max + " fit the request " + expected);
        }
        payloadLength = (int) length;
        state = State.CHUNK_PAYLOAD;
    }

    /** The largest payload a chunk of this type may carry for the expected request; fails impossible kinds. */
    private long maxPayload(ByteBuf in, long length) {
        switch (chunkType) {
            case NBD_REPLY_TYPE_NONE -> {
                if ((chunkFlags & NBD_REPLY_FLAG_DONE) == 0) {
                    throw fail(in, "NONE chunk without DONE for cookie " + cookieText());
                }
                return 0;
            }
            case NBD_REPLY_TYPE_OFFSET_DATA -> {
                requireCommand(in, NBD_CMD_READ);
                if (length <= 8) {
                    throw fail(in, "OFFSET_DATA chunk of " + length + " bytes for cookie " + cookieText()
                            + "; needs an offset and at least one byte");
                }
                return 8 + Math.min(expected.length(), Integer.MAX_VALUE - 8);
            }
            case NBD_REPLY_TYPE_OFFSET_HOLE -> {
                requireCommand(in, NBD_CMD_READ);
                requireLength(in, length, 12);
                return 12;
            }
            case NBD_REPLY_TYPE_BLOCK_STATUS -> {
                requireCommand(in, NBD_CMD_BLOCK_STATUS);
                if (format == ReplyFormat.EXTENDED) {
                    throw fail(in, "BLOCK_STATUS chunk after extended headers; expected BLOCK_STATUS_EXT");
                }
                if (length < 12 || (length - 4) % 8 != 0) {
                    throw fail(in, "BLOCK_STATUS chunk of " + length + " bytes is not 4 + n x 8, n >= 1");
                }
                return 4 + 8L * maxExtents();
            }
            case NBD_REPLY_TYPE_BLOCK_STATUS_EXT -> {
                requireCommand(in, NBD_CMD_BLOCK_STATUS);
                if (format != ReplyFormat.EXTENDED) {
                    throw fail(in, "BLOCK_STATUS_EXT chunk without extended headers");
                }
                if (length < 24 || (length - 8) % 16 != 0) {
                    throw fail(in, "BLOCK_STATUS_EXT chunk of " + length + " bytes is not 8 + n x 16, n >= 1");
                }
                return 8 + 16L * maxExtents();
            }
            default -> {
                if ((chunkType & ERROR_TYPE_BIT) == 0) {
                    throw fail(in, "unknown chunk type " + chunkType + " for cookie " + cookieText());
                }
                if (length < 6) {
                    throw fail(in, chunkName() + " of " + length + " bytes for cookie " + cookieText()
                            + "; needs at least 6");
                }
                return MAX_ERROR_CHUNK;
            }
        }
    }

    private long maxExtents() {
        if ((expected.flags() & NBD_CMD_FLAG_REQ_ONE) != 0) {
            return 1;
        }
        return Math.max(1, Math.min(MAX_EXTENTS, expected.length()));
    }

    private NbdReply decodePayload(ByteBuf in, ByteBuf p) {
        switch (chunkType) {
            case NBD_REPLY_TYPE_NONE -> {
                return new NbdReply.None(cookie, chunkFlags);
            }
            case NBD_REPLY_TYPE_OFFSET_DATA -> {
                long offset = p.readLong();
                int dataLength = p.readableBytes();
                requireInRange(in, "OFFSET_DATA", offset, dataLength);
                return new NbdReply.OffsetData(cookie, chunkFlags, offset, p.retainedSlice());
            }
            case NBD_REPLY_TYPE_OFFSET_HOLE -> {
                long offset = p.readLong();
                long hole = p.readUnsignedInt();
                if (hole == 0) {
                    throw fail(in, "OFFSET_HOLE of length 0 for cookie " + cookieText());
                }
                requireInRange(in, "OFFSET_HOLE", offset, hole);
                return new NbdReply.OffsetHole(cookie, chunkFlags, offset, hole);
            }
            case NBD_REPLY_TYPE_BLOCK_STATUS, NBD_REPLY_TYPE_BLOCK_STATUS_EXT -> {
                return decodeBlockStatus(in, p, chunkType == NBD_REPLY_TYPE_BLOCK_STATUS_EXT);
            }
            default -> {
                return decodeError(in, p);
            }
        }
    }

    private NbdReply decodeBlockStatus(ByteBuf in, ByteBuf p, boolean ext) {
        int contextId = p.readInt();
        int count = ext ? (p.readableBytes() / 16) : (p.readableBytes() / 8);
        if (ext && p.readUnsignedInt() != count) {
            throw fail(in, "BLOCK_STATUS_EXT count does not match its " + count + " extents");
        }
        List<BlockStatusExtent> extents = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            long length = ext ? p.readLong() : p.readUnsignedInt();
            long flags = ext ? p.readLong() : p.readUnsignedInt();
            if (length <= 0) {
                throw fail(in, "block status extent " + i + " has length " + Long.toUnsignedString(length));
            }
            if ((flags >>> 32) != 0) {
                throw fail(in, "block status extent " + i + " has flags beyond 32 bits: 0x" + Long.toHexString(flags));
            }
            extents.add(new BlockStatusExtent(length, (int) flags));
        }
        if ((expected.flags() & NBD_CMD_FLAG_REQ_ONE) != 0 && extents.get(0).length() > expected.length()) {
            throw fail(in, "REQ_ONE block status extent of " + extents.get(0).length()
                    + " bytes exceeds the request length " + expected.length());
        }
        return new NbdReply.BlockStatus(cookie, chunkFlags, contextId, extents);
    }

    private NbdReply decodeError(ByteBuf in, ByteBuf p) {
        int error = p.readInt();
        int messageLength = p.readUnsignedShort();
        if (error == 0) {
            throw fail(in, chunkName() + " with error value 0 for cookie " + cookieText());
        }
        int trailer = chunkType == NBD_REPLY_TYPE_ERROR_OFFSET ? 8 : 0;
        boolean known = chunkType == NBD_REPLY_TYPE_ERROR || chunkType == NBD_REPLY_TYPE_ERROR_OFFSET;
        if (known ? messageLength != p.readableBytes() - trailer : messageLength > p.readableBytes()) {
            throw fail(in, chunkName() + " message length " + messageLength + " does not fit its "
                    + (payloadLength - 6) + " remaining bytes");
        }
        String message = p.readCharSequence(messageLength, StandardCharsets.UTF_8).toString();
        long offset = -1;
        if (chunkType == NBD_REPLY_TYPE_ERROR_OFFSET) {
            offset = p.readLong();
            requireInRange(in, "ERROR_OFFSET", offset, 1);
        }
        return new NbdReply.Error(cookie, chunkFlags, chunkType, error, message, offset);
    }

    private ExpectedReply lookup(ByteBuf in, String what) {
        ExpectedReply exp = pending.apply(cookie);
        if (exp == null) {
            throw fail(in, what + " for unknown cookie " + cookieText());
        }
        return exp;
    }

    private void requireCommand(ByteBuf in, int command) {
        if (expected.type() != command) {
            throw fail(in, chunkName() + " for cookie " + cookieText() + " answering command " + expected.type());
        }
    }

    private void requireLength(ByteBuf in, long actual, long wanted) {
        if (actual != wanted) {
            throw fail(in, chunkName() + " of " + actual + " bytes for cookie " + cookieText() + "; must be " + wanted);
        }
    }

    private void requireInRange(ByteBuf in, String what, long offset, long length) {
        if (!expected.contains(offset, length)) {
            throw fail(in, what + " [" + offset + ", +" + length + ") for cookie " + cookieText()
                    + " lies outside the request [" + expected.offset() + ", +" + expected.length() + ")");
        }
    }

    private String chunkName() {
        return switch (chunkType) {
            case NBD_REPLY_TYPE_NONE -> "NONE chunk";
            case NBD_REPLY_TYPE_OFFSET_DATA -> "OFFSET_DATA chunk";
            case NBD_REPLY_TYPE_OFFSET_HOLE -> "OFFSET_HOLE chunk";
            case NBD_REPLY_TYPE_BLOCK_STATUS -> "BLOCK_STATUS chunk";
            case NBD_REPLY_TYPE_BLOCK_STATUS_EXT -> "BLOCK_STATUS_EXT chunk";
            case NBD_REPLY_TYPE_ERROR -> "ERROR chunk";
            case NBD_REPLY_TYPE_ERROR_OFFSET -> "ERROR_OFFSET chunk";
            default -> "chunk type 0x" + Integer.toHexString(chunkType);
        };
    }

    private String cookieText() {
        return "0x" + Long.toHexString(cookie);
    }

    private NbdProtocolException fail(ByteBuf in, String message) {
        state = State.FAILED;
        in.skipBytes(in.readableBytes());
        return new NbdProtocolException(message);
    }
}
