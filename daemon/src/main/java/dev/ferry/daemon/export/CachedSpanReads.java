package dev.ferry.daemon.export;

import dev.ferry.mapper.block.BlockDevice;
import dev.ferry.mapper.block.Extent;
import dev.ferry.mapper.block.FileSpan;
import dev.ferry.nbd.export.ReadResult;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a read learns on the calling thread (the connection's event loop) from a range that lies in one file
 * ({@link BlockDevice#fileSpan}), without waiting for I/O: a short read's bytes from what the page cache holds, so
 * that a cached 4 KiB read needs no hand-off to another thread, and a long read's allocation, so that only its bytes
 * are left for the device's I/O threads (see {@link BlockDeviceExport#read}).
 */
final class CachedSpanReads {

    private static final Logger LOG = LoggerFactory.getLogger(CachedSpanReads.class);

    private CachedSpanReads() {
    }

    /**
     * What the page cache answered of a read: the whole {@code answer}, or else {@code partial}, a buffer of the read's
     * length holding what was cached from its start (its writer index), for the device to read the rest into.
     */
    record Outcome(ReadResult answer, ByteBuf partial) {
    }

    /**
     * Reads what the page cache holds of {@code [offset, offset + length)} into a buffer ({@code preadv2} with
     * {@code RWF_NOWAIT} through the device's file span); when that is all of it, it is the answer (one data chunk).
     * A range that is not in one file, and a failure here, leave everything to the device, which reports it.
     */
    static Outcome read(BlockDevice device, long offset, int length, ByteBufAllocator allocator) {
        Optional<FileSpan> found = device.fileSpan(offset, length);
        if (found.isEmpty()) {
            return new Outcome(null, allocator.directBuffer(length, length));
        }
        try (FileSpan span = found.get()) {
            ByteBuf buffer = allocator.directBuffer(length, length);
            boolean all;
            try {
                all = fill(span, offset, buffer);
            } catch (RuntimeException e) {
                buffer.release();
                throw e;
            }
            return all ? new Outcome(ReadResult.of(offset, buffer), null) : new Outcome(null, buffer);
        }
    }

    /**
     * The allocation of {@code [offset, offset + length)} in export offsets, probed through the device's file span on
     * the calling thread (a few {@code lseek} calls for a regular file); empty when the range does not lie in one file
     * or the probe fails (the device is then asked on its I/O threads).
     */
    static Optional<List<Extent>> allocation(BlockDevice device, long offset, int length) {
        Optional<FileSpan> found = device.fileSpan(offset, length);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        try (FileSpan span = found.get()) {
            List<Extent> relative = span.allocation();
            List<Extent> out = new ArrayList<>(relative.size());
            for (Extent e : relative) {
                out.add(new Extent(offset + e.offset(), e.length(), e.allocated(), e.zero()));
            }
            return Optional.of(out);
        } catch (IOException | RuntimeException e) {
            LOG.debug("allocation probe of {} bytes at {} failed, the device is asked: {}", length, offset,
                    e.toString());
            return Optional.empty();
        }
    }

    /**
     * Reads into {@code buffer} what the page cache holds of the span from its start, advancing the writer index:
     * whether that was all of it. A failure reads nothing more and leaves the rest to the device.
     */
    private static boolean fill(FileSpan span, long offset, ByteBuf buffer) {
        int length = buffer.writableBytes();
        try {
            ByteBuffer target = buffer.nioBuffer(0, length);
            while (target.hasRemaining() && span.readCached(target.position(), target) > 0) {
                buffer.writerIndex(target.position());
            }
            return !target.hasRemaining();
        } catch (IOException e) {
            LOG.debug("cached read of {} bytes at {} failed, the device reads it: {}", length, offset, e.toString());
            return false;
        }
    }
}
