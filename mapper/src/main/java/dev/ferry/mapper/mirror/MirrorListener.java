package dev.ferry.mapper.mirror;

import java.util.concurrent.CompletableFuture;

/**
 * Events of a mirror target (dm raises a device event for the first two). Called on I/O completion
 * threads: implementations must be quick and must not block; the futures they return may complete later.
 */
public interface MirrorListener {

    /** A listener that ignores everything (and records no stale copy). */
    MirrorListener NONE = new MirrorListener() { };

    /** A leg failed for the first time with this kind of error. */
    default void legFailed(MirrorTarget mirror, LegFailure failure) {
    }

    /** Recovery made {@code region} in sync, durably in the log (and no copy of it is stale any more). */
    default void regionInSync(MirrorTarget mirror, int region) {
    }

    /** Recovery ended for good (all in sync, or degraded). */
    default void recoveryFinished(MirrorTarget mirror, RecoveryOutcome outcome) {
    }

    /**
     * A {@code keep_serving} mirror made the copy of {@code region} on leg {@code leg} stale (a write or a resync
     * onto it failed); a write that missed the copy is acknowledged only once the returned future completed
     * normally, so the listener records the mark durably (to pass it back in the table's {@code stale} feature)
     * before completing it. The default fails: stale copies are not recorded.
     */
    default CompletableFuture<Void> copyStale(MirrorTarget mirror, int leg, int region) {
        return CompletableFuture.failedFuture(new UnsupportedOperationException("stale copies are not recorded"));
    }

    /**
     * A {@code keep_serving} mirror made every region's copy on leg {@code leg} stale (a flush of the leg failed,
     * so writes acknowledged on it may not be durable); the flush succeeds only once the returned future completed
     * normally. The default fails: stale copies are not recorded.
     */
    default CompletableFuture<Void> legStale(MirrorTarget mirror, int leg) {
        return CompletableFuture.failedFuture(new UnsupportedOperationException("stale copies are not recorded"));
    }
}
