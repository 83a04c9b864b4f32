package dev.ferry.mapper.mirror;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The region hash of a mirror (dm-region-hash): per-region write counts, recovery exclusion, writes
 * delayed behind a recovering region, and lazy clean marking once a region's writes are settled and
 * flushed. Region state is derived from the log plus these counters.
 */
final class RegionTracker {

    /** How a write to a region must be dispatched once admitted. */
    enum Route {
        /** The region is in sync: write every live leg. */
        ALL_LEGS,
        /** The region is out of sync: write the default leg only. */
        DEFAULT_LEG
    }

    private final RegionLog log;
    private final int[] pending;
    private final Map<Integer, List<Runnable>> delayed = new HashMap<>();
    private final Map<Integer, CompletableFuture<Void>> quiescing = new HashMap<>();
    private final Map<Integer, CompletableFuture<Void>> recovering = new HashMap<>();
    /** Dirty regions whose writes ended, with the settle sequence when they did. */
    private final Map<Integer, Long> settled = new HashMap<>();
    private long settleSequence;

    RegionTracker(RegionLog log) {
        this.log = log;
        this.pending = new int[log.regionCount()];
    }

    /**
     * Admits a write to {@code region}: completes (after the dirty mark is durable, for an in-sync
     * region) with its route; a write to a recovering region waits until the recovery ends.
     */
    CompletableFuture<Route> beginWrite(int region) {
        CompletableFuture<Route> admitted = new CompletableFuture<>();
        boolean markDirty;
        synchronized (this) {
            if (recovering.containsKey(region)) {
                delayed.computeIfAbsent(region, r -> new ArrayList<>()).add(() ->
                        beginWrite(region).whenComplete((route, err) -> {
                            if (err != null) {
                                admitted.completeExceptionally(err);
                            } else {
                                admitted.complete(route);
                            }
                        }));
                return admitted;
            }
            pending[region]++;
            settled.remove(region);
            markDirty = log.inSync(region);
        }
        if (!markDirty) {
            admitted.complete(Route.DEFAULT_LEG);
            return admitted;
        }
        log.markDirty(region).whenComplete((v, err) -> {
            if (err != null) {
                endWrite(region);
                admitted.completeExceptionally(err);
            } else {
                admitted.complete(Route.ALL_LEGS);
            }
        });
        return admitted;
    }

    /** A write admitted by {@link #beginWrite} ended (successfully or not). */
    void endWrite(int region) {
        CompletableFuture<Void> quiesced = null;
        synchronized (this) {
            if (--pending[region] == 0) {
                if (log.dirty(region)) {
                    settled.put(region, ++settleSequence);
                }
                quiesced = quiescing.remove(region);
            }
        }
        if (quiesced != null) {
            quiesced.complete(null);
        }
    }

    /** Records that a write to an in-sync region missed a leg: the region is no longer in sync. */
    void markOutOfSync(int region) {
        log.setInSync(region, false);
    }

    /** Settled regions now; pass to {@link #cleanSettled} after the legs were flushed. */
    synchronized Map<Integer, Long> settledSnapshot() {
        return new HashMap<>(settled);
    }

    /** Marks clean the regions of {@code snapshot} not written since it was taken. */
    synchronized void cleanSettled(Map<Integer, Long> snapshot) {
        snapshot.forEach((region, seq) -> {
            if (seq.equals(settled.get(region)) && pending[region] == 0) {
                settled.remove(region);
                log.markClean(region);
            }
        });
    }

    /**
     * Claims an out-of-sync region for recovery: new writes to it are delayed; completes once its
     * writes in flight have ended. Returns null if the region is in sync or already recovering.
     */
    synchronized CompletableFuture<Void> startRecovery(int region) {
        return recovering.containsKey(region) || log.inSync(region) ? null : claim(region);
    }

    /**
     * Holds an in-sync region for a comparison of its legs ({@link LegComparison}): like a recovery claim, new writes
     * to it are delayed; completes once its writes in flight have ended. Returns null if the region is not in sync
     * or already claimed. {@link #finishRecovery finishRecovery(region, false)} releases it, leaving it in sync.
     */
    synchronized CompletableFuture<Void> holdInSync(int region) {
        return recovering.containsKey(region) || !log.inSync(region) ? null : claim(region);
    }

    /** Delays new writes to {@code region}; completes once its writes in flight have ended. */
    private CompletableFuture<Void> claim(int region) {
        recovering.put(region, new CompletableFuture<>());
        if (pending[region] == 0) {
            return CompletableFuture.completedFuture(null);
        }
        return quiescing.computeIfAbsent(region, r -> new CompletableFuture<>());
    }

    /** Ends a recovery; if {@code inSync}, the region is recorded in sync; then delayed writes go on. */
    void finishRecovery(int region, boolean inSync) {
        List<Runnable> release;
        CompletableFuture<Void> ended;
        synchronized (this) {
            if (inSync) {
                log.setInSync(region, true);
            }
            ended = recovering.remove(region);
            release = delayed.remove(region);
        }
        if (ended != null) {
            ended.complete(null);
        }
        if (release != null) {
            release.forEach(Runnable::run);
        }
    }

    synchronized RegionState state(int region) {
        if (recovering.containsKey(region)) {
            return RegionState.RECOVERING;
        }
        if (!log.inSync(region)) {
            return RegionState.NOSYNC;
        }
        return log.dirty(region) || pending[region] > 0 ? RegionState.DIRTY : RegionState.CLEAN;
    }

    synchronized int delayedWrites(int region) {
        List<Runnable> l = delayed.get(region);
        return l == null ? 0 : l.size();
    }
}
