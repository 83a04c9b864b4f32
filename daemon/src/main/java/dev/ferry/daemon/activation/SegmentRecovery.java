package dev.ferry.daemon.activation;

import dev.ferry.mapper.mirror.RecoveryOutcome;
import java.util.concurrent.CompletableFuture;

/**
 * The resynchronisation of one mirrored segment of an active LV at one moment: regions in sync out of all, whether
 * every leg is alive, the bytes its recovery has copied onto other legs out of the segment's bytes, and the future
 * that completes when the recovery ends (in sync, or degraded by a dead leg).
 */
public record SegmentRecovery(int regionsInSync, int regionCount, boolean allLegsAlive, long copiedBytes,
                              long segmentBytes, CompletableFuture<RecoveryOutcome> finished) {

    /** The fraction of regions in sync, 0 while a leg is dead (never "done" over a dead leg). */
    public double syncedFraction() {
        return allLegsAlive && regionCount > 0 ? (double) regionsInSync / regionCount : 0;
    }

    /** The fraction of regions in sync whether or not every leg is alive. */
    public double inSyncFraction() {
        return regionCount > 0 ? (double) regionsInSync / regionCount : 0;
    }

    /**
     * How much of the segment the recovery has copied, as a fraction: the regions in sync, or the bytes copied when
     * they say more (a leg that dies puts every region out of sync, but what was copied stays copied); at most 1.
     */
    public double copiedFraction() {
        double bytes = segmentBytes > 0 ? (double) copiedBytes / segmentBytes : 0;
        return Math.min(1, Math.max(inSyncFraction(), bytes));
    }
}
