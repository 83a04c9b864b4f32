package dev.ferry.nbd.export;

import io.netty.buffer.ByteBuf;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A block device served over NBD: the service-provider interface the server calls for every request.
 *
 * <p>Every operation is asynchronous and must not block the calling thread (a Netty event loop):
 * implementations run blocking I/O on their own executor. Futures fail with {@link ExportException}
 * to choose the NBD error; any other failure is answered with {@code NBD_EIO}. The server validates
 * every request against the negotiated flags, {@link #size()} and {@link #blockSize()} before it
 * calls the export, so implementations see only in-range, well-formed requests.
 */
public interface Export {

    /** The name clients select with NBD_OPT_GO / NBD_OPT_EXPORT_NAME. */
    String name();

    /** A human-readable description sent as NBD_INFO_DESCRIPTION; empty for none. */
    default String description() {
        return "";
    }

    /** The current size in bytes; read at each negotiation. */
    long size();

    /** The features this export supports; the server derives transmission flags from them. */
    ExportCapabilities capabilities();

    /** Block size constraints advertised with NBD_INFO_BLOCK_SIZE. */
    default BlockSizeConstraints blockSize() {
        return BlockSizeConstraints.DEFAULT;
    }

    /**
     * Reads {@code length} bytes at {@code offset}. The result's chunks cover the range exactly, in
     * order, without overlap; the server takes ownership of every chunk and releases each exactly once.
     */
    CompletableFuture<ReadResult> read(long offset, int length);

    /**
     * Writes {@code payload} (ownership passes to the export, which releases it exactly once) at
     * {@code offset}; with {@code fua} the data is on stable storage before the future completes.
     */
    CompletableFuture<Void> write(long offset, ByteBuf payload, boolean fua);

    /** Makes every write completed before this call durable, on every connection of this export. */
    CompletableFuture<Void> flush();

    /** Discards a range (advisory); contents read afterwards are unspecified. */
    CompletableFuture<Void> trim(long offset, long length, boolean fua);

    /**
     * Makes a range read back as zeroes; {@code noHole} forbids deallocating it; with
     * {@code fastZero} the export fails with {@code NBD_ENOTSUP} unless zeroing is faster than writing.
     */
    CompletableFuture<Void> writeZeroes(long offset, long length, boolean noHole, boolean fastZero, boolean fua);

    /** Prefetches a range (advisory). */
    default CompletableFuture<Void> cache(long offset, long length) {
        return CompletableFuture.completedFuture(null);
    }

    /**
     * Describes the allocation of the range starting at {@code offset} for {@code base:allocation}.
     * The extents are contiguous, start at {@code offset}, and may end before or after
     * {@code offset + length} (the server trims them); at least one extent is returned.
     */
    CompletableFuture<List<BlockStatusExtent>> blockStatus(long offset, long length);

    /**
     * Names of the meta contexts this export answers itself, besides {@code base:allocation} (for instance
     * {@code qemu:dirty-bitmap:NAME}); read at each LIST_META_CONTEXT, SET_META_CONTEXT and BLOCK_STATUS.
     */
    default List<String> metaContexts() {
        return List.of();
    }

    /**
     * Block status of {@code context} (one of {@link #metaContexts()}) with the same extent rules as
     * {@link #blockStatus}; fails with an {@link ExportException} when the context is no longer offered.
     */
    default CompletableFuture<List<BlockStatusExtent>> metaContextStatus(String context, long offset, long length) {
        return CompletableFuture.failedFuture(new ExportException(dev.ferry.nbd.NbdConstants.NBD_EINVAL,
                "meta context " + context + " is not offered"));
    }

    /** Called when a client enters transmission on this export. */
    default void clientAttached() {
    }

    /** Called when a client that was attached to this export disconnects. */
    default void clientDetached() {
    }
}
