package dev.ferry.mapper.mirror;

import java.util.concurrent.CompletableFuture;

/**
 * The dirty-region log of a mirror (like dm's dirty log): which regions are in sync on every leg and
 * which may have writes in flight. Changes are made in memory and become durable with
 * {@link #flush()}; {@link #markDirty} returns only once the dirty mark is durable, so a caller can
 * hold a region's first write until then. All methods are thread-safe.
 */
public interface RegionLog extends AutoCloseable {

    /** Bytes per region (a power of two, a multiple of 512). */
    long regionSize();

    /** Number of regions. */
    int regionCount();

    /** Whether {@code region} is in sync on every leg. */
    boolean inSync(int region);

    /** Records that {@code region} is, or is no longer, in sync (durable at the next flush). */
    void setInSync(int region, boolean inSync);

    /** Records every region as out of sync (durable at the next flush). */
    void setAllOutOfSync();

    /** Whether {@code region} is marked dirty. */
    boolean dirty(int region);

    /** Marks {@code region} dirty; completes once the mark is durable. */
    CompletableFuture<Void> markDirty(int region);

    /** Marks {@code region} clean (durable lazily, at the next flush). */
    void markClean(int region);

    /** Makes every change made before the call durable. */
    CompletableFuture<Void> flush();

    /** Regions in sync. */
    int syncCount();

    /** The first out-of-sync region at or after {@code from}, or -1. */
    int nextOutOfSync(int from);

    /** Table arguments, e.g. {@code core 1 4096} or {@code disk 2 8:16 4096}. */
    String tableArgs();

    /** Status arguments, e.g. {@code 1 core} or {@code 3 disk 8:16 A}. */
    String statusArgs();

    /** Releases the log's resources (not its device). */
    @Override
    void close();
}
