package dev.ferry.mapper.block;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * An asynchronous block device addressed in bytes: the one I/O interface of the mapper, implemented
 * by leaf devices (files, block devices, memory), by targets and by mapped devices.
 *
 * <p>Contract: offsets and lengths are checked by the caller to lie within {@link #size()}; a
 * buffer handed to an operation belongs to the device until the returned future completes (reads
 * fill {@code dst} from its position to its limit; writes consume {@code src} likewise, without
 * changing the caller's position and limit). Futures fail with {@link BlockIoException}. Methods
 * never block the caller on I/O.
 */
public interface BlockDevice extends AutoCloseable {

    /** Size in bytes. */
    long size();

    /** Reads {@code dst.remaining()} bytes starting at {@code offset} into {@code dst}. */
    CompletableFuture<Void> read(long offset, ByteBuffer dst);

    /** Writes {@code src.remaining()} bytes at {@code offset}; with {@code fua} durably. */
    CompletableFuture<Void> write(long offset, ByteBuffer src, boolean fua);

    /** Makes every write completed before this call durable. */
    CompletableFuture<Void> flush();

    /**
     * Makes every write to {@code [offset, offset + length)} completed before this call durable: what a user of only
     * that range (a linear target over it) needs. A device may flush more; by default it flushes everything, and a
     * mapped device flushes only the targets under the range, so that a device the range does not touch cannot fail
     * the flush.
     */
    default CompletableFuture<Void> flush(long offset, long length) {
        return flush();
    }

    /** Discards a range: afterwards it reads as zeroes where the device can guarantee it, else unspecified. */
    CompletableFuture<Void> discard(long offset, long length);

    /** Makes a range read as zeroes; with {@code mayUnmap} the device may deallocate it. */
    CompletableFuture<Void> writeZeroes(long offset, long length, boolean mayUnmap);

    /**
     * Describes allocation from {@code offset}: contiguous extents starting at {@code offset} that
     * cover at least one byte and at most {@code length} bytes.
     */
    CompletableFuture<List<Extent>> allocation(long offset, long length);

    /**
     * Where a range lives in one regular file, if it does entirely: lets a reader that must not block read what the page cache holds itself.
     * The returned span pins the mapping (and any table it went through) until it is closed.
     */
    default Optional<FileSpan> fileSpan(long offset, long length) {
        return Optional.empty();
    }

    /**
     * Whether {@link #writeZeroes} is cheaper than writing zeroes (an fallocate or ioctl rather than a
     * data write); NBD's FAST_ZERO requests are refused when it is not.
     */
    default boolean fastZeroes() {
        return false;
    }

    /** A short description for status output, e.g. the file path. */
    String describe();

    /** Releases the device's resources; in-flight operations complete or fail first. */
    @Override
    void close();
}
