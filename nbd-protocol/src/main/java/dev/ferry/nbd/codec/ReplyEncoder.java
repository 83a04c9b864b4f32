package dev.ferry.nbd.codec;

import static dev.ferry.nbd.NbdConstants.*;

import dev.ferry.nbd.export.BlockStatusExtent;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import java.util.List;

/**
 * Encodes transmission replies into buffers (spec "Simple reply message", "Structured reply chunk
 * message", extended headers). Data bodies (buffers or file regions) are written by the caller after
 * the header returned here.
 *
 * <pre>
 * Simple reply (16 bytes):
 * +---------------------------------------------------------------+
 * |            NBD_SIMPLE_REPLY_MAGIC 0x67446698 (u32)            |
 * +---------------------------------------------------------------+
 * |                          error (u32)                          |
 * +---------------------------------------------------------------+
 * |                          cookie (u64)                         |
 * +---------------------------------------------------------------+
 *
 * Structured chunk (20 bytes + payload):
 * +---------------------------------------------------------------+
 * |          NBD_STRUCTURED_REPLY_MAGIC 0x668e33ef (u32)          |
 * +-------------------------------+-------------------------------+
 * |          flags (u16)          |           type (u16)          |
 * +-------------------------------+-------------------------------+
 * |                          cookie (u64)                         |
 * +---------------------------------------------------------------+
 * |                      payload length (u32)                     |
 * +---------------------------------------------------------------+
 *
 * Extended chunk (32 bytes + payload):
 * +---------------------------------------------------------------+
 * |           NBD_EXTENDED_REPLY_MAGIC 0x6e8a278c (u32)           |
 * +-------------------------------+-------------------------------+
 * |          flags (u16)          |           type (u16)          |
 * +-------------------------------+-------------------------------+
 * |                          cookie (u64)                         |
 * +---------------------------------------------------------------+
 * |                 offset (u64, echoes the request)              |
 * +---------------------------------------------------------------+
 * |                      payload length (u64)                     |
 * +---------------------------------------------------------------+
 *
 * Payloads: OFFSET_DATA offset u64 + data; OFFSET_HOLE offset u64 + size u32;
 * BLOCK_STATUS context id u32 + (length u32, flags u32)*; BLOCK_STATUS_EXT context id u32 +
 * count u32 + (length u64, flags u64)*; ERROR error u32 + message length u16 + message; NONE empty.
 * </pre>
 */
public final class ReplyEncoder {

    /** Length of a simple reply. */
    public static final int SIMPLE_REPLY_LENGTH = 16;
    /** Length of a structured chunk header. */
    public static final int STRUCTURED_HEADER_LENGTH = 20;
    /** Length of an extended chunk header. */
    public static final int EXTENDED_HEADER_LENGTH = 32;
    /** Longest error message sent in an ERROR chunk. */
    public static final int MAX_ERROR_MESSAGE = 256;

    private ReplyEncoder() {
    }

    /** Encodes a simple reply. */
    public static ByteBuf simple(ByteBufAllocator alloc, SimpleReply reply) {
        return alloc.buffer(SIMPLE_REPLY_LENGTH).writeInt(NBD_SIMPLE_REPLY_MAGIC).writeInt(reply.error())
                .writeLong(reply.cookie());
    }

    /**
     * Encodes a chunk header in {@code format} (STRUCTURED or EXTENDED) into a buffer with room for
     * {@code extra} bytes.
     */
    public static ByteBuf chunkHeader(ByteBufAllocator alloc, ReplyFormat format, ReplyChunkHeader h, int extra) {
        if (format == ReplyFormat.EXTENDED) {
            return alloc.buffer(EXTENDED_HEADER_LENGTH + extra).writeInt(NBD_EXTENDED_REPLY_MAGIC)
                    .writeShort(h.flags()).writeShort(h.type()).writeLong(h.cookie())
                    .writeLong(h.requestOffset()).writeLong(h.payloadLength());
        }
        if (format != ReplyFormat.STRUCTURED) {
            throw new IllegalStateException("no chunks in format " + format);
        }
        return alloc.buffer(STRUCTURED_HEADER_LENGTH + extra).writeInt(NBD_STRUCTURED_REPLY_MAGIC)
                .writeShort(h.flags()).writeShort(h.type()).writeLong(h.cookie()).writeInt((int) h.payloadLength());
    }

    /** An OFFSET_DATA chunk header plus its offset field; {@code dataLength} bytes of data must follow. */
    public static ByteBuf offsetData(ByteBufAllocator alloc, ReplyFormat format, int flags, RequestHeader req,
                                     long dataOffset, long dataLength) {
        return chunkHeader(alloc, format, new ReplyChunkHeader(flags, NBD_REPLY_TYPE_OFFSET_DATA, req.cookie(),
                req.offset(), 8 + dataLength), 8).writeLong(dataOffset);
    }

    /** A complete OFFSET_HOLE chunk. */
    public static ByteBuf offsetHole(ByteBufAllocator alloc, ReplyFormat format, int flags, RequestHeader req,
                                     long holeOffset, int holeLength) {
        return chunkHeader(alloc, format, new ReplyChunkHeader(flags, NBD_REPLY_TYPE_OFFSET_HOLE, req.cookie(),
                req.offset(), 12), 12).writeLong(holeOffset).writeInt(holeLength);
    }

    /** A complete NONE chunk with DONE. */
    public static ByteBuf none(ByteBufAllocator alloc, ReplyFormat format, RequestHeader req) {
        return chunkHeader(alloc, format, new ReplyChunkHeader(NBD_REPLY_FLAG_DONE, NBD_REPLY_TYPE_NONE,
                req.cookie(), req.offset(), 0), 0);
    }

    /** A complete ERROR chunk with DONE carrying {@code error} and a (truncated) message. */
    public static ByteBuf error(ByteBufAllocator alloc, ReplyFormat format, RequestHeader req, int error,
                                String message) {
        String text = message.length() > MAX_ERROR_MESSAGE ? message.substring(0, MAX_ERROR_MESSAGE) : message;
        int messageLength = ByteBufUtil.utf8Bytes(text);
        ByteBuf buf = chunkHeader(alloc, format, new ReplyChunkHeader(NBD_REPLY_FLAG_DONE, NBD_REPLY_TYPE_ERROR,
                req.cookie(), req.offset(), 6 + messageLength), 6 + messageLength);
        buf.writeInt(error).writeShort(messageLength);
        ByteBufUtil.reserveAndWriteUtf8(buf, text, messageLength);
        return buf;
    }

    /**
     * A complete block status chunk with DONE: BLOCK_STATUS (u32 lengths) in STRUCTURED format,
     * BLOCK_STATUS_EXT (u64 lengths) in EXTENDED format. Compact extents must fit in u32.
     */
    public static ByteBuf blockStatus(ByteBufAllocator alloc, ReplyFormat format, RequestHeader req, int contextId,
                                      List<BlockStatusExtent> extents) {
        return blockStatus(alloc, format, NBD_REPLY_FLAG_DONE, req, contextId, extents);
    }

    /** As above with chunk {@code flags} (0 for all but the last chunk of a reply with one chunk per context). */
    public static ByteBuf blockStatus(ByteBufAllocator alloc, ReplyFormat format, int flags, RequestHeader req,
                                      int contextId, List<BlockStatusExtent> extents) {
        boolean ext = format == ReplyFormat.EXTENDED;
        int payload = ext ? 8 + 16 * extents.size() : 4 + 8 * extents.size();
        ByteBuf buf = chunkHeader(alloc, format, new ReplyChunkHeader(flags,
                ext ? NBD_REPLY_TYPE_BLOCK_STATUS_EXT : NBD_REPLY_TYPE_BLOCK_STATUS, req.cookie(), req.offset(),
                payload), payload);
        buf.writeInt(contextId);
        if (ext) {
            buf.writeInt(extents.size());
        }
        for (BlockStatusExtent e : extents) {
            if (ext) {
                buf.writeLong(e.length()).writeLong(Integer.toUnsignedLong(e.flags()));
            } else {
                if (e.length() > 0xFFFF_FFFFL) {
                    buf.release();
                    throw new IllegalArgumentException("compact extent longer than 2^32-1: " + e.length());
                }
                buf.writeInt((int) e.length()).writeInt(e.flags());
            }
        }
        return buf;
    }

    /**
     * The whole reply to a command without data (everything but READ and BLOCK_STATUS): a simple
     * reply unless extended headers are in use, then a NONE or ERROR chunk.
     */
    public static ByteBuf status(ByteBufAllocator alloc, ReplyFormat format, RequestHeader req, int error,
                                 String message) {
        if (format != ReplyFormat.EXTENDED) {
            return simple(alloc, new SimpleReply(req.cookie(), error));
        }
        return error == 0 ? none(alloc, format, req) : error(alloc, format, req, error, message);
    }
}
