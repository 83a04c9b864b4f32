package dev.ferry.daemon.export;

import dev.ferry.mapper.block.BlockDevice;
import dev.ferry.mapper.block.Extent;
import dev.ferry.mapper.block.FileSpan;
import dev.ferry.mapper.nativeio.MappedBytes;
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
 * Reads a device answers on the calling thread (the connection's event loop) from what the page cache holds of a range
 * that lies in one file ({@link BlockDevice#fileSpan}), without waiting for I/O: long reads lend the mapped pages,
 * others read the cached bytes into a buffer.
 */
final class CachedSpanReads {

    private static final Logger LOG = LoggerFactory.getLogger(CachedSpanReads.class);

    /**
     * Longest read lent as mapped pages: 4 MiB. A lent reply the client does not take within the reply writer's bound
     * is copied, and the copy maps every page it reads (resident beside the copy until unmapped), so a huge unread
     * reply would briefly count twice; longer reads fill a buffer, as before lending.
     */
    static final int MAX_LENT = 4 << 20;

    private CachedSpanReads() {
    }

    /**
     * What the page cache answered of a read: the whole {@code answer}, or else {@code partial}, a buffer of the read's
     * length holding what was cached from its start (its writer index), for the device to read the rest into.
     */
    record Outcome(ReadResult answer, ByteBuf partial) {
    }

    /**
     * Answers a read through one file span, its allocation probed once (for a long read): a long read (at most
     * {@link #MAX_LENT}) with no holes that the page cache holds entirely lends its pages mapped into memory to the
     * reply ({@link ReadResult.Borrowed}), which has the socket copy from them directly, so the bytes are copied once
     * instead of twice; the span's pin, which keeps a table swap from changing what the range means, is then held until
     * the reply gives the pages back. Otherwise the cached bytes are read into a buffer ({@code preadv2} with
     * {@code RWF_NOWAIT}); when that is all of them, they are the answer, split at holes. A range that is not in one
     * file, and a failure here, leave everything to the device, which reports it.
     */
    static Outcome read(BlockDevice device, long offset, int length, ByteBufAllocator allocator) {
        Optional<FileSpan> found = device.fileSpan(offset, length);
        if (found.isEmpty()) {
            return new Outcome(null, allocator.directBuffer(length, length));
        }
        FileSpan span = found.get();
        boolean lent = false;
        try {
            List<Extent> extents = length < HoleChunks.MIN_PROBED_LENGTH ? List.of() : absolute(offset, span);
            if (length >= HoleChunks.MIN_PROBED_LENGTH && length <= MAX_LENT) {
                List<Extent> runs = HoleChunks.mergeRuns(offset, length, extents);
                Optional<ReadResult> pages = runs.size() == 1 && !runs.get(0).zero()
                        ? lend(span, offset, length) : Optional.empty();
                if (pages.isPresent()) {
                    lent = true;
                    return new Outcome(pages.get(), null);
                }
            }
            ByteBuf buffer = allocator.directBuffer(length, length);
            boolean all;
            try {
                all = fill(span, offset, buffer);
            } catch (RuntimeException e) {
                buffer.release();
                throw e;
            }
            return all ? new Outcome(HoleChunks.split(offset, buffer, extents), null) : new Outcome(null, buffer);
        } finally {
            if (!lent) {
                span.close();
            }
        }
    }

    /** The span's pages lent to the reply, which closes the span when it gives them back; empty if not all cached. */
    private static Optional<ReadResult> lend(FileSpan span, long offset, int length) {
        Optional<MappedBytes> mapped;
        try {
            mapped = span.mapCached();
        } catch (IOException | RuntimeException e) {
            LOG.debug("mapping {} bytes at {} failed, reading them instead: {}", length, offset, e.toString());
            return Optional.empty();
        }
        return mapped.map(pages -> new ReadResult(List.of(new ReadResult.Borrowed(offset, pages.bytes(), () -> {
            try {
                pages.close();
            } finally {
                span.close();
            }
        }))));
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

    /** The span's allocation in export offsets from {@code offset}; all data when the probe fails. */
    private static List<Extent> absolute(long offset, FileSpan span) {
        try {
            List<Extent> relative = span.allocation();
            List<Extent> out = new ArrayList<>(relative.size());
            for (Extent e : relative) {
                out.add(new Extent(offset + e.offset(), e.length(), e.allocated(), e.zero()));
            }
            return out;
        } catch (IOException | RuntimeException e) {
            LOG.debug("allocation probe of {} bytes at {} failed, sending it as data: {}", span.length(), offset,
                    e.toString());
            return List.of();
        }
    }
}
