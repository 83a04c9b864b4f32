package dev.ferry.mapper.mirror;

import dev.ferry.mapper.copy.CopyDestination;
import dev.ferry.mapper.copy.CopyException;
import dev.ferry.mapper.copy.CopyJob;
import dev.ferry.mapper.copy.CopyListener;
import dev.ferry.mapper.copy.CopyRequest;
import dev.ferry.mapper.copy.CopyResult;
import dev.ferry.mapper.copy.Copier;
import dev.ferry.mapper.copy.DestinationFailure;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Background recovery of a mirror: copies out-of-sync regions from the default leg to the others,
 * several at a time, and records them in sync in batches: copied regions wait for one flush of every
 * live leg (group commit), are then recorded in sync, and the region log is flushed once per batch.
 * While one batch flushes, the next regions copy.
 *
 * <pre>
 * IDLE ──resume──► RUNNING ──pause──► PAUSING ──copies cancelled, batch flushed──► PAUSED ──resume──► RUNNING
 *                     └──nothing left / degraded──► FINISHED
 * </pre>
 *
 * A region is claimed in the {@link RegionTracker} (writes to it wait) from the start of its copy until its
 * batch's leg flush has ended; its in-sync bit reaches the log only after that flush, so a persisted in-sync
 * bit always describes flushed copies.
 */
final class MirrorRecovery {

    /** Recovery life cycle. */
    enum State {
        /** Not yet resumed. */
        IDLE,
        /** Copying regions. */
        RUNNING,
        /** Pause requested: copies in flight are being cancelled, copied regions flushed. */
        PAUSING,
        /** Paused by a suspend. */
        PAUSED,
        /** Nothing more can be done: every region is in sync, or the mirror is degraded. */
        FINISHED
    }

    private final MirrorTarget mirror;
    private final Copier copier;
    private final int maxRegions;
    /** Regions being copied (null job while the region quiesces). */
    private final Map<Integer, CopyJob> copying = new HashMap<>();
    /** Regions copied, waiting for the next batch flush. */
    private final List<Integer> copied = new ArrayList<>();
    /** Regions of the batch being flushed. */
    private final List<Integer> flushing = new ArrayList<>();
    private final CompletableFuture<RecoveryOutcome> finished = new CompletableFuture<>();
    private CompletableFuture<Void> paused = CompletableFuture.completedFuture(null);
    private State state = State.IDLE;
    private int cursor;
    private String fatal;

    MirrorRecovery(MirrorTarget mirror, Copier copier, int maxRegions) {
        if (maxRegions < 1) {
            throw new IllegalArgumentException("recovery needs at least one region in flight, got " + maxRegions);
        }
        this.mirror = mirror;
        this.copier = copier;
        this.maxRegions = maxRegions;
    }

    synchronized State state() {
        return state;
    }

    CompletableFuture<RecoveryOutcome> finished() {
        return finished;
    }

    void resume() {
        CompletableFuture<Void> superseded = null;
        synchronized (this) {
            switch (state) {
                case IDLE, PAUSED -> state = State.RUNNING;
                case PAUSING -> {
                    state = State.RUNNING;
                    superseded = paused;
                }
                default -> {
                    return;
                }
            }
        }
        if (superseded != null) {
            superseded.complete(null);
        }
        fill();
    }

    CompletableFuture<Void> pause() {
        List<CopyJob> cancel;
        synchronized (this) {
            if (state != State.RUNNING) {
                return state == State.PAUSING ? paused : CompletableFuture.completedFuture(null);
            }
            if (idle()) {
                state = State.PAUSED;
                return CompletableFuture.completedFuture(null);
            }
            state = State.PAUSING;
            paused = new CompletableFuture<>();
            cancel = copying.values().stream().filter(j -> j != null).toList();
        }
        cancel.forEach(CopyJob::cancel);
        return paused;
    }

    /** Re-evaluates after a change (a leg failed, a region ended). */
    void fill() {
        List<Integer> start = new ArrayList<>();
        RecoveryOutcome outcome = null;
        synchronized (this) {
            if (state != State.RUNNING) {
                return;
            }
            String blocker = fatal != null ? fatal : mirror.recoveryBlocker();
            while (blocker == null && copying.size() + copied.size() < maxRegions) {
                int r = nextCandidate();
                if (r < 0) {
                    break;
                }
                copying.put(r, null);
                start.add(r);
            }
            if (idle()) {
                state = State.FINISHED;
                outcome = blocker == null
                        ? new RecoveryOutcome(RecoveryOutcome.Status.IN_SYNC, mirror.regionsInSync(), mirror.regionCount(), null)
                        : new RecoveryOutcome(RecoveryOutcome.Status.DEGRADED, mirror.regionsInSync(), mirror.regionCount(), blocker);
            }
        }
        start.forEach(this::startRegion);
        if (outcome != null) {
            finished.complete(outcome);
            mirror.recoveryEnded(outcome);
        }
    }

    private boolean idle() {
        return copying.isEmpty() && copied.isEmpty() && flushing.isEmpty();
    }

    private boolean claimed(int region) {
        return copying.containsKey(region) || copied.contains(region) || flushing.contains(region);
    }

    private int nextCandidate() {
        RegionLog log = mirror.log();
        for (int pass = 0; pass < 2; pass++) {
            int r = log.nextOutOfSync(pass == 0 ? cursor : 0);
            while (r >= 0 && claimed(r)) {
                r = r + 1 < log.regionCount() ? log.nextOutOfSync(r + 1) : -1;
            }
            if (r >= 0) {
                cursor = r + 1;
                return r;
            }
        }
        return -1;
    }

    private void startRegion(int region) {
        CompletableFuture<Void> quiesced = mirror.tracker().startRecovery(region);
        if (quiesced == null) {
            regionsEnded(List.of(region), false);
            return;
        }
        quiesced.thenRun(() -> copyRegion(region));
    }

    private void copyRegion(int region) {
        Leg source = mirror.defaultLeg();
        List<Leg> targets = mirror.liveLegs().stream().filter(l -> l != source).toList();
        CopyJob job;
        synchronized (this) {
            if (state != State.RUNNING || targets.isEmpty()) {
                job = null;
            } else {
                long start = mirror.regionStart(region);
                long len = mirror.regionLength(region);
                List<CopyDestination> dests = targets.stream()
                        .map(l -> new CopyDestination(l.device, l.offset + start)).toList();
                job = copier.newJob(new CopyRequest(source.device, source.offset + start, dests, len, false,
                        mirror.throttleGroup()), CopyListener.NONE);
                copying.put(region, job);
            }
        }
        if (job == null) {
            mirror.tracker().finishRecovery(region, false);
            regionsEnded(List.of(region), false);
            return;
        }
        job.start();
        job.future().whenComplete((result, err) -> copyEnded(region, targets, result, err));
    }

    private void copyEnded(int region, List<Leg> targets, CopyResult result, Throwable err) {
        Throwable cause = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
        List<DestinationFailure> failures = result != null ? result.failedDestinations()
                : cause instanceof CopyException ce ? ce.destinationFailures() : List.of();
        long start = mirror.regionStart(region);
        for (DestinationFailure f : failures) {
            mirror.legFailed(targets.get(f.index()), LegError.SYNC, start + f.offset(), f.cause());
        }
        if (cause instanceof CopyException && failures.size() < targets.size()) {
            synchronized (this) {
                fatal = "default leg " + mirror.defaultLeg().name + " could not be read: " + cause.getMessage();
            }
            mirror.legFailed(mirror.defaultLeg(), LegError.READ, start, cause);
        }
        if (cause != null || !failures.isEmpty()) {
            mirror.tracker().finishRecovery(region, false);
            regionsEnded(List.of(region), false);
            return;
        }
        synchronized (this) {
            copying.remove(region);
            copied.add(region);
        }
        flushBatch();
        fill();
    }

    /** Starts the flush of the copied regions unless one is running; the next starts when it ends. */
    private void flushBatch() {
        List<Integer> batch;
        synchronized (this) {
            if (!flushing.isEmpty() || copied.isEmpty()) {
                return;
            }
            batch = List.copyOf(copied);
            copied.clear();
            flushing.addAll(batch);
        }
        List<CompletableFuture<Boolean>> ops = new ArrayList<>();
        for (Leg leg : mirror.liveLegs()) {
            ops.add(leg.device.flush().handle((v, err) -> {
                if (err != null) {
                    mirror.legFailed(leg, LegError.FLUSH, -1, err);
                }
                return err == null;
            }));
        }
        CompletableFuture.allOf(ops.toArray(CompletableFuture[]::new)).whenComplete((v, e) -> {
            boolean inSync = ops.stream().allMatch(CompletableFuture::join) && mirror.recoveryBlocker() == null;
            batch.forEach(r -> mirror.tracker().finishRecovery(r, inSync));
            if (!inSync) {
                regionsEnded(batch, false);
                return;
            }
            mirror.log().flush().whenComplete((x, logErr) -> regionsEnded(batch, logErr == null));
        });
    }

    private void regionsEnded(List<Integer> regions, boolean synced) {
        if (synced) {
            regions.forEach(mirror::regionSynced);
        }
        CompletableFuture<Void> nowPaused = null;
        synchronized (this) {
            regions.forEach(r -> {
                copying.remove(r);
                flushing.remove(r);
            });
            if (state == State.PAUSING && copying.isEmpty() && flushing.isEmpty() && copied.isEmpty()) {
                state = State.PAUSED;
                nowPaused = paused;
            }
        }
        if (nowPaused != null) {
            nowPaused.complete(null);
        }
        flushBatch();
        fill();
    }
}
