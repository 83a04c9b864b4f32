package dev.ferry.daemon.export;

import dev.ferry.mapper.block.BlockDevice;
import dev.ferry.mapper.block.Extent;
import dev.ferry.mapper.block.FileSpan;
import dev.ferry.mapper.nativeio.MappedBytes;
import dev.ferry.nbd.export.ReadResult;
import io.netty.buffer.ByteBuf;
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
     * A long read (at most {@link #MAX_LENT}) of a range that lies in one file, holds no holes and is all in the page
     * cache: its pages mapped into
     * memory and lent to the reply ({@link ReadResult.Borrowed}), which has the socket copy from them directly, so the
     * bytes are copied once instead of twice. The span's pin, which keeps a table swap from changing what the range
     * means, is held until the reply gives the pages back. Empty otherwise, holding nothing: the read then fills a
     * buffer (holes are sent as such from there).
     */
    static Optional<ReadResult> lend(BlockDevice device, long offset, int length) {
        Optional<FileSpan> found = device.fileSpan(offset, length);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        FileSpan span = found.get();
        Optional<MappedBytes> mapped = Optional.empty();
        try {
            List<Extent> runs = HoleChunks.mergeRuns(offset, length, absolute(offset, span));
            if (runs.size() == 1 && !runs.get(0).zero()) {
                mapped = span.mapCached();
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("mapping {} bytes at {} failed, reading them instead: {}", length, offset, e.toString());
        }
        if (mapped.isEmpty()) {
            span.close();
            return Optional.empty();
        }
        MappedBytes pages = mapped.get();
        return Optional.of(new ReadResult(List.of(new ReadResult.Borrowed(offset, pages.bytes(), () -> {
            try {
                pages.close();
            } finally {
                span.close();
            }
        }))));
    }

    /**
     * Reads into {@code buffer}, on the calling thread (the connection's event loop), what the page cache holds of a
     * range that lies in one file, without waiting for I/O. When all of it was there, returns the file's allocation
     * over the range for a long read (empty list for a short one); else empty, with what was read in the buffer (its
     * writer index advanced). Nothing is read when the range is not in one file, and a failure here only leaves the
     * rest to the device, which reports it.
     */
    static Optional<List<Extent>> readInto(BlockDevice device, long offset, ByteBuf buffer) {
        int length = buffer.writableBytes();
        Optional<FileSpan> found = device.fileSpan(offset, length);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        try (FileSpan span = found.get()) {
            ByteBuffer target = buffer.nioBuffer(0, length);
            while (target.hasRemaining() && span.readCached(target.position(), target) > 0) {
                buffer.writerIndex(target.position());
            }
            if (target.hasRemaining()) {
                return Optional.empty();
            }
            return Optional.of(length < HoleChunks.MIN_PROBED_LENGTH ? List.of() : absolute(offset, span));
        } catch (IOException e) {
            LOG.debug("cached read of {} bytes at {} failed, the device reads it: {}", length, offset, e.toString());
            return Optional.empty();
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
