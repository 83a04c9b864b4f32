package dev.ferry.nbd.client;

import dev.ferry.nbd.export.BlockSizeConstraints;
import dev.ferry.nbd.export.BlockStatusExtent;
import io.netty.buffer.ByteBuf;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The data plane of an NBD client, shared by {@link NbdClient} (one connection) and
 * {@link dev.ferry.nbd.client.resilient.ResilientNbdClient} (deadlines, heartbeats, reconnects, honest FLUSH), so
 * that an adapter (e.g. a block device over a remote export) can take either.
 */
public interface NbdBlockClient extends AutoCloseable {

    /** The export's details as negotiated. */
    NbdExportInfo export();

    /** Export size in bytes. */
    long size();

    /** Transmission flags (NBD_FLAG_*). */
    int transmissionFlags();

    /** The block size constraints (the defaults when none were advertised). */
    BlockSizeConstraints blockSize();

    /** The meta contexts the server selected (name to context id); empty without structured replies. */
    Map<String, Integer> metaContexts();

    /** Reads {@code length} bytes; the caller owns (and releases) the buffer. */
    CompletableFuture<ByteBuf> read(long offset, int length);

    /** Reads with command flags; the caller owns (and releases) the buffer. */
    CompletableFuture<ByteBuf> read(long offset, int length, int flags);

    /** Writes all readable bytes of {@code data}; takes ownership of {@code data}. */
    CompletableFuture<Void> write(long offset, ByteBuf data);

    /** Writes with command flags (e.g. FUA); takes ownership of {@code data}. */
    CompletableFuture<Void> write(long offset, ByteBuf data, int flags);

    /** Makes the writes completed before it durable (NBD_CMD_FLUSH). */
    CompletableFuture<Void> flush();

    /** Discards a range (advisory). */
    CompletableFuture<Void> trim(long offset, long length);

    /** Discards a range with command flags. */
    CompletableFuture<Void> trim(long offset, long length, int flags);

    /** Zeroes a range with command flags (FUA, NO_HOLE, FAST_ZERO). */
    CompletableFuture<Void> writeZeroes(long offset, long length, int flags);

    /** Asks the server to prefetch a range (advisory). */
    CompletableFuture<Void> cache(long offset, long length);

    /** The {@code base:allocation} extents from {@code offset}. */
    CompletableFuture<List<BlockStatusExtent>> blockStatus(long offset, long length, boolean reqOne);

    /** Lets pending requests finish, then disconnects; completes when closed. */
    CompletableFuture<Void> disconnect();

    /** Completes when the client has closed. */
    CompletableFuture<Void> closeFuture();

    /** Closes now; pending requests fail. */
    @Override
    void close();
}
