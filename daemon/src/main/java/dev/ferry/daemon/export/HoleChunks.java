package dev.ferry.daemon.export;

import dev.ferry.mapper.block.Extent;
import dev.ferry.nbd.export.ReadResult;
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a filled read buffer at the ranges its device reports as reading zeroes, so that structured replies send
 * them as OFFSET_HOLE chunks: runs of neighbouring extents with the same {@code zero} flag become one
 * {@link ReadResult.Hole} or one {@link ReadResult.Data} slice of the buffer; bytes the allocation did not cover are
 * data. Reads shorter than {@link #MIN_PROBED_LENGTH} are not probed.
 */
final class HoleChunks {

    /**
     * Shortest read whose allocation is probed, alongside the read itself: below it a read is one data chunk. A
     * probe is two {@code lseek} calls on an I/O thread for a file, which costs little next to copying 256 KiB;
     * 256 KiB is also nbdcopy's request size, so its reads still see holes.
     */
    static final int MIN_PROBED_LENGTH = 256 * 1024;

    private HoleChunks() {
    }

    /**
     * The answer to a read at {@code offset} whose bytes are in {@code buffer} (its readable bytes), given the
     * device's allocation {@code extents} from {@code offset}; takes ownership of the buffer.
     */
    static ReadResult split(long offset, ByteBuf buffer, List<Extent> extents) {
        int length = buffer.readableBytes();
        List<Extent> runs = mergeRuns(offset, length, extents);
        if (runs.size() == 1 && !runs.get(0).zero()) {
            return ReadResult.of(offset, buffer);
        }
        List<ReadResult.Chunk> chunks = new ArrayList<>(runs.size());
        try {
            for (Extent r : runs) {
                int at = (int) (r.offset() - offset);
                chunks.add(r.zero() ? new ReadResult.Hole(r.offset(), (int) r.length())
                        : new ReadResult.Data(r.offset(), buffer.retainedSlice(buffer.readerIndex() + at,
                                (int) r.length())));
            }
        } catch (RuntimeException e) {
            chunks.forEach(ReadResult.Chunk::release);
            throw e;
        } finally {
            buffer.release();
        }
        return new ReadResult(chunks);
    }

    /**
     * The extents clipped to {@code [offset, offset + length)} and merged into alternating runs of data and zeroes;
     * what the extents leave uncovered at the end is data.
     */
    static List<Extent> mergeRuns(long offset, int length, List<Extent> extents) {
        List<Extent> runs = new ArrayList<>();
        long next = offset;
        long end = offset + length;
        for (Extent e : extents) {
            if (e.offset() != next || e.length() <= 0 || next >= end) {
                break; // not contiguous (or past the read): the rest is read as data
            }
            long n = Math.min(e.length(), end - next);
            append(runs, next, n, e.zero());
            next += n;
        }
        if (next < end) {
            append(runs, next, end - next, false);
        }
        return runs;
    }

    private static void append(List<Extent> runs, long at, long length, boolean zero) {
        Extent last = runs.isEmpty() ? null : runs.get(runs.size() - 1);
        if (last != null && last.zero() == zero) {
            runs.set(runs.size() - 1, new Extent(last.offset(), last.length() + length, !zero, zero));
        } else {
            runs.add(new Extent(at, length, !zero, zero));
        }
    }
}
