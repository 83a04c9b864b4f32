package dev.ferry.mapper.block;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * A device range that lies contiguously in a file, for reads that need not go through the device; holding it pins the
 * mapping, and {@link #close()} releases the pin (exactly once).
 *
 * @param channel  the file (not to be closed by the holder)
 * @param position byte position of the range in the file
 * @param length   bytes
 * @param pin      released by {@link #close()}
 * @param probe    answers allocation queries in file positions on the calling thread
 * @param cache    reads what the page cache holds of the file without waiting (see {@link #readCached})
 */
public record FileSpan(FileChannel channel, long position, long length, Runnable pin, AllocationProbe probe,
                       CachedReads cache) implements AutoCloseable {

    /** Synchronous allocation of a file range: contiguous extents from {@code position}, at least one byte. */
    @FunctionalInterface
    public interface AllocationProbe {
        /** Allocation of {@code [position, position + length)} in file positions; may stop early. */
        List<Extent> allocation(long position, long length) throws IOException;

        /** A probe for files whose holes are unknown: everything is data. */
        AllocationProbe ALL_DATA = (position, length) -> List.of(Extent.data(position, length));
    }

    /**
     * Reads of a file that return at once with what its page cache holds, so that a thread which must not block on
     * I/O can serve cached data itself.
     */
    @FunctionalInterface
    public interface CachedReads {
        /**
         * Reads into {@code dst} (from its position, advancing it) the bytes from file position {@code position}
         * that are cached, stopping at the first that is not: the count, 0 when none is.
         */
        int read(long position, ByteBuffer dst) throws IOException;

        /** For files whose cache cannot be asked: nothing is read this way. */
        CachedReads NONE = (position, dst) -> 0;
    }

    /** A span read only through its channel. */
    public FileSpan(FileChannel channel, long position, long length, Runnable pin, AllocationProbe probe) {
        this(channel, position, length, pin, probe, CachedReads.NONE);
    }

    /** A span whose holes are unknown (all of it is reported as data), read only through its channel. */
    public FileSpan(FileChannel channel, long position, long length, Runnable pin) {
        this(channel, position, length, pin, AllocationProbe.ALL_DATA);
    }

    /** The same span with another pin (a wrapper adding its own release). */
    public FileSpan withPin(Runnable otherPin) {
        return new FileSpan(channel, position, length, otherPin, probe, cache);
    }

    /**
     * Reads the span's bytes from {@code from} (relative to the span) into {@code dst} as far as the page cache holds
     * them, without waiting for I/O (see {@link CachedReads}): the count read, possibly 0.
     */
    public int readCached(long from, ByteBuffer dst) throws IOException {
        if (from < 0 || from > length || dst.remaining() > length - from) {
            throw new IndexOutOfBoundsException("cached read of " + dst.remaining() + " bytes at " + from
                    + " in a span of " + length);
        }
        return cache.read(position + from, dst);
    }

    /**
     * Allocation of the whole span on the calling thread (a few {@code lseek} calls for a regular file):
     * contiguous extents with offsets relative to the span's first byte, covering exactly {@link #length}.
     */
    public List<Extent> allocation() throws IOException {
        List<Extent> out = new ArrayList<>();
        long done = 0;
        while (done < length) {
            List<Extent> part = probe.allocation(position + done, length - done);
            if (part.isEmpty()) {
                throw new IOException("allocation probe of " + (length - done) + " bytes at " + (position + done)
                        + " reported nothing");
            }
            for (Extent e : part) {
                long start = e.offset() - position;
                if (start != done || e.length() > length - done) {
                    throw new IOException("allocation probe returned " + e + " where position " + (position + done)
                            + " was expected");
                }
                out.add(new Extent(start, e.length(), e.allocated(), e.zero()));
                done += e.length();
            }
        }
        return out;
    }

    @Override
    public void close() {
        pin.run();
    }
}
