package dev.ferry.mapper.block;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * A device range that lies contiguously in a file, for zero-copy reads; holding it pins the
 * mapping, and {@link #close()} releases the pin (exactly once).
 *
 * @param channel  the file (not to be closed by the holder)
 * @param position byte position of the range in the file
 * @param length   bytes
 * @param pin      released by {@link #close()}
 * @param probe    answers allocation queries in file positions on the calling thread
 * @param failures told when the holder could not read the span's bytes from the file (see {@link #readFailed})
 */
public record FileSpan(FileChannel channel, long position, long length, Runnable pin, AllocationProbe probe,
                       ReadFailures failures) implements AutoCloseable {

    /** Synchronous allocation of a file range: contiguous extents from {@code position}, at least one byte. */
    @FunctionalInterface
    public interface AllocationProbe {
        /** Allocation of {@code [position, position + length)} in file positions; may stop early. */
        List<Extent> allocation(long position, long length) throws IOException;

        /** A probe for files whose holes are unknown: everything is data. */
        AllocationProbe ALL_DATA = (position, length) -> List.of(Extent.data(position, length));
    }

    /**
     * Where a failure to read a span's bytes is reported: the zero-copy send of a span reads the file out of sight
     * of the device, so whoever watches the device's medium learns of that read's failure here.
     */
    @FunctionalInterface
    public interface ReadFailures {
        /** Reading the span's bytes (or sending them on) failed with {@code cause}. */
        void failed(Throwable cause);

        /** Nobody to tell. */
        ReadFailures NONE = cause -> { };
    }

    /** A span whose failures nobody watches. */
    public FileSpan(FileChannel channel, long position, long length, Runnable pin, AllocationProbe probe) {
        this(channel, position, length, pin, probe, ReadFailures.NONE);
    }

    /** A span whose holes are unknown (all of it is reported as data) and whose failures nobody watches. */
    public FileSpan(FileChannel channel, long position, long length, Runnable pin) {
        this(channel, position, length, pin, AllocationProbe.ALL_DATA);
    }

    /** The same span with another pin (a wrapper adding its own release). */
    public FileSpan withPin(Runnable otherPin) {
        return new FileSpan(channel, position, length, otherPin, probe, failures);
    }

    /** The same span, whose read failures {@code more} hears of too (after those told so far). */
    public FileSpan alsoTelling(ReadFailures more) {
        ReadFailures before = failures;
        return new FileSpan(channel, position, length, pin, probe, cause -> {
            before.failed(cause);
            more.failed(cause);
        });
    }

    /**
     * Says that the holder could not read the span's bytes, or could not send them on (the cause may be the
     * file's or, for a send, the connection's): tells {@link #failures}.
     */
    public void readFailed(Throwable cause) {
        failures.failed(cause);
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
