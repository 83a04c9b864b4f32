package dev.ferry.nbd.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.Map;
import java.util.TreeMap;

/**
 * Assembles the OFFSET_DATA and OFFSET_HOLE chunks of one structured READ into a single buffer, checking
 * that chunks never overlap and, at the end, that they cover the whole request (spec "NBD_CMD_READ").
 * One chunk covering the whole range is passed on without a copy.
 */
final class ReadAssembly {

    private final long offset;
    private final int length;
    /** Covered ranges, start to end (exclusive), relative to the request offset. */
    private final TreeMap<Long, Long> covered = new TreeMap<>();
    private long coveredBytes;
    private ByteBuf result;

    ReadAssembly(long offset, int length) {
        this.offset = offset;
        this.length = length;
    }

    /** Adds a data chunk (already checked to lie inside the request); takes ownership of {@code data}. */
    void addData(long chunkOffset, ByteBuf data, ByteBufAllocator alloc) {
        try {
            int at = claim(chunkOffset, data.readableBytes());
            if (result == null && data.readableBytes() == length) {
                result = data.retain();
            } else {
                target(alloc).setBytes(at, data, data.readerIndex(), data.readableBytes());
            }
        } finally {
            data.release();
        }
    }

    /** Adds a hole chunk (already checked to lie inside the request). */
    void addHole(long chunkOffset, long holeLength, ByteBufAllocator alloc) {
        int at = claim(chunkOffset, holeLength);
        target(alloc).setZero(at, (int) holeLength);
    }

    /** The assembled buffer (ownership moves to the caller); fails when the chunks left a gap. */
    ByteBuf finish() {
        if (coveredBytes != length) {
            release();
            throw new NbdProtocolException("READ at " + offset + " of " + length + " bytes completed with only "
                    + coveredBytes + " bytes of data and holes");
        }
        ByteBuf out = result == null ? Unpooled.EMPTY_BUFFER : result;
        result = null;
        return out;
    }

    /** Drops what was assembled so far. */
    void release() {
        if (result != null) {
            result.release();
            result = null;
        }
    }

    private ByteBuf target(ByteBufAllocator alloc) {
        if (result == null) {
            result = alloc.buffer(length, length);
            result.writerIndex(length);
        }
        return result;
    }

    /** Records {@code [chunkOffset, +len)} as covered and returns its index in the result buffer. */
    private int claim(long chunkOffset, long len) {
        long start = chunkOffset - offset;
        long end = start + len;
        Map.Entry<Long, Long> before = covered.floorEntry(start);
        Map.Entry<Long, Long> after = covered.ceilingEntry(start);
        if ((before != null && before.getValue() > start) || (after != null && after.getKey() < end)) {
            throw new NbdProtocolException("READ chunk [" + chunkOffset + ", +" + len + ") overlaps an earlier chunk");
        }
        covered.put(start, end);
        coveredBytes += len;
        return (int) start;
    }
}
