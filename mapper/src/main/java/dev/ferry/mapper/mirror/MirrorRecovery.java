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
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Background recovery of a mirror: copies out-of-sync regions from their source leg to the others, several copies at
 * a time (fewer under a rate limit), and records them in sync in batches: copied regions wait for one flush of the
 * legs copied onto (group commit), are then recorded in sync, and the region log is flushed once per batch. While one
 * batch flushes, the next regions copy. A copy covers one region, or a run of up to {@value #MAX_HOLE_RUN} regions
 * copied the same way that lay in a hole of the default leg when it was scanned ({@link SourceHoles}), when that leg
 * is their source: such runs are zeroed on the other legs with one copy ({@link RecoveryPicker} chooses them).
 *
 * <p>Without keep_serving the source is the default leg, the copies go to the other live legs, and a failure of a
 * leg (or of reading the default leg) ends recovery DEGRADED. With keep_serving the source of a region is its first
 * good leg (the next good one if it cannot be read), the copies go to the legs {@link LegRegions#recoveryTargets}
 * names (its stale copies, or every other present copy when it is copied whole; a region no other leg has is in sync
 * at once), and a region is recorded in sync (its stale copies good again) only if every copy and flush succeeded;
 * recovery gives up on regions without a readable good copy or whose copy onto a leg failed (that copy becomes
 * stale), goes on with the others and ends DEGRADED naming them ({@link RecoveryShortfall}).
 *
 * <pre>
 * IDLE ──resume──► RUNNING ──pause──► PAUSING ──copies cancelled, batch flushed──► PAUSED ──resume──► RUNNING
 *                     └──nothing left / degraded──► FINISHED
 * </pre>
 *
 * A region is claimed in the {@link RegionTracker} (writes to it wait) from the start of its copy until its
 * batch's leg flush has ended, not before: under a rate limit a copy first takes the limit's tokens for its first
 * chunk ({@link Copier#acquireTokens}) with nothing claimed. Its in-sync bit reaches the log only after that flush,
 * so a persisted in-sync bit always describes flushed copies.
 */
final class MirrorRecovery {

    private static final Logger LOG = LoggerFactory.getLogger(MirrorRecovery.class);

    /** Regions of a run of source holes copied together at most. */
    static final int MAX_HOLE_RUN = 128;
    /** Under a rate limit, the regions claimed at once are what the limit copies in this time. */
    static final long THROTTLED_WINDOW_MILLIS = 100;

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

    /** Consecutive regions recovered by one copy. */
    private static final class Unit {
        final List<Integer> regions;
        /** Sources that could not be read (keep_serving tries the next good leg). */
        final Set<Leg> unreadable = new HashSet<>();
        List<Leg> targets = List.of();
        /** {@link LegRegions#wholeLegMarks()} when the copy started: a leg made stale since voids it. */
        long wholeLegMarks;
        /** The wait for the rate limit's tokens before the regions are claimed (completed with 0 to end it early). */
        CompletableFuture<Long> tokens;
        /** Tokens taken for the copy and not handed to a copy job yet. */
        long prepaid;
        CopyJob job;

        Unit(List<Integer> regions) {
            this.regions = regions;
        }
    }

    private final MirrorTarget mirror;
    private final Copier copier;
    private final int maxUnits;
    private final RecoveryShortfall shortfall;
    private final RecoveryPicker picker;
    private final AtomicLong resyncedBytes = new AtomicLong();
    /** Every region from its claim until its batch flush has ended. */
    private final Map<Integer, Unit> claimed = new HashMap<>();
    /** Units being copied (a null job while their regions quiesce). */
    private final Set<Unit> copying = new LinkedHashSet<>();
    /** Units copied, waiting for the next batch flush. */
    private final List<Unit> copied = new ArrayList<>();
    /** Units of the batch being flushed. */
    private final List<Unit> flushing = new ArrayList<>();
    private final CompletableFuture<RecoveryOutcome> finished = new CompletableFuture<>();
    private CompletableFuture<Void> paused = CompletableFuture.completedFuture(null);
    private State state = State.IDLE;
    private String fatal;

    MirrorRecovery(MirrorTarget mirror, Copier copier, int maxUnits) {
        if (maxUnits < 1) {
            throw new IllegalArgumentException("recovery needs at least one region in flight, got " + maxUnits);
        }
        this.mirror = mirror;
        this.copier = copier;
        this.maxUnits = maxUnits;
        this.shortfall = new RecoveryShortfall(mirror.legs().size());
        this.picker = new RecoveryPicker(mirror, shortfall);
    }

    synchronized State state() {
        return state;
    }

    CompletableFuture<RecoveryOutcome> finished() {
        return finished;
    }

    long resyncedBytes() {
        return resyncedBytes.get();
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
        picker.scanHoles(this::fill);
        fill();
    }

    CompletableFuture<Void> pause() {
        List<CopyJob> cancel;
        synchronized (this) {
            if (state != State.RUNNING) {
                return state == State.PAUSING ? paused : CompletableFuture.completedFuture(null);
            }
            if (claimed.isEmpty()) {
                state = State.PAUSED;
                return CompletableFuture.completedFuture(null);
            }
            state = State.PAUSING;
            paused = new CompletableFuture<>();
            cancel = copying.stream().map(u -> u.job).filter(j -> j != null).toList();
        }
        cancel.forEach(CopyJob::cancel);
        endTokenWaits();
        return paused;
    }

    /**
     * A leg died: no copy in flight can make its regions in sync any more, so they are cancelled rather than
     * left to finish (at a throttled rate that could take long); recovery then ends DEGRADED.
     */
    void cancelCopies() {
        List<CopyJob> cancel;
        synchronized (this) {
            cancel = copying.stream().map(u -> u.job).filter(j -> j != null).toList();
        }
        cancel.forEach(CopyJob::cancel);
        endTokenWaits();
    }

    /** Ends the waits for the rate limit of units not claimed yet: they then find recovery paused or their leg dead. */
    private void endTokenWaits() {
        List<CompletableFuture<Long>> waits;
        synchronized (this) {
            waits = copying.stream().map(u -> u.tokens).filter(t -> t != null).toList();
        }
        waits.forEach(t -> t.complete(0L));
    }

    /** Re-evaluates after a change (a leg failed, a region ended, the hole scan ended). */
    void fill() {
        List<Unit> start = new ArrayList<>();
        RecoveryOutcome outcome = null;
        synchronized (this) {
            if (state != State.RUNNING) {
                return;
            }
            String blocker = fatal != null ? fatal : mirror.recoveryBlocker();
            int units = unitsInFlight();
            while (blocker == null && copying.size() + copied.size() < units) {
                int r = picker.next(claimed::containsKey);
                if (r < 0) {
                    break;
                }
                Unit u = new Unit(picker.run(r, claimed::containsKey));
                u.regions.forEach(x -> claimed.put(x, u));
                copying.add(u);
                start.add(u);
            }
            if (claimed.isEmpty()) {
                state = State.FINISHED;
                String reason = blocker != null ? blocker : shortfall.reason(mirror.legs());
                outcome = new RecoveryOutcome(reason == null ? RecoveryOutcome.Status.IN_SYNC
                        : RecoveryOutcome.Status.DEGRADED, mirror.regionsInSync(), mirror.regionCount(), reason);
            }
        }
        start.forEach(this::startUnit);
        if (outcome != null) {
            finished.complete(outcome);
            mirror.recoveryEnded(outcome);
        }
    }

    /**
     * How many units may be claimed at once: all {@code maxUnits} unthrottled; under a rate limit only as many
     * regions as the limit copies in {@value #THROTTLED_WINDOW_MILLIS} ms (at least one), because writes to a
     * claimed region wait for its copy, and throttled copies of many regions at once would all be slow.
     */
    private int unitsInFlight() {
        long rate = copier.rateLimit();
        String group = mirror.throttleGroup();
        long groupRate = group == null ? 0 : copier.rateLimit(group);
        if (rate == 0 || groupRate != 0 && groupRate < rate) {
            rate = groupRate;
        }
        if (rate == 0) {
            return maxUnits;
        }
        long regions = rate * THROTTLED_WINDOW_MILLIS / 1000 / mirror.regionSize();
        return (int) Math.max(1, Math.min(maxUnits, regions));
    }

    /**
     * Waits until the rate limit lets the unit's copy start (at once without one), then claims its regions: a region
     * is claimed, and writes to it wait, only while it is copied, not while its copy waits for the limit (at 2 MiB/s
     * with three mirrors sharing the limit, a claimed region had waited up to about 0.75 s for its turn).
     */
    private void startUnit(Unit u) {
        int first = u.regions.get(0);
        int last = u.regions.get(u.regions.size() - 1);
        long len = mirror.regionStart(last) + mirror.regionLength(last) - mirror.regionStart(first);
        CompletableFuture<Long> tokens = copier.acquireTokens(mirror.throttleGroup(), len);
        synchronized (this) {
            u.tokens = tokens;
        }
        tokens.thenAccept(paid -> {
            boolean running;
            synchronized (this) {
                u.tokens = null;
                u.prepaid = paid;
                running = state == State.RUNNING;
            }
            if (running) {
                claimAndCopy(u);
            } else {
                returnPrepaid(u);
                unitsEnded(List.of(u), false);   // paused meanwhile: nothing of it was claimed in the tracker
            }
        });
    }

    /** Gives the tokens taken for the unit's copy back to the rate limit, if no copy job got them. */
    private void returnPrepaid(Unit u) {
        long paid;
        synchronized (this) {
            paid = u.prepaid;
            u.prepaid = 0;
        }
        if (paid > 0) {
            copier.returnTokens(mirror.throttleGroup(), paid);
        }
    }

    /**
     * Claims the unit's regions in the tracker, in order; a region that cannot be claimed (in sync or recovering
     * by now) ends the unit there, since one copy covers contiguous claimed regions only.
     */
    private void claimAndCopy(Unit u) {
        List<CompletableFuture<Void>> quiesced = new ArrayList<>();
        List<Integer> dropped = new ArrayList<>();
        for (int r : u.regions) {
            CompletableFuture<Void> q = dropped.isEmpty() ? mirror.tracker().startRecovery(r) : null;
            if (q == null) {
                dropped.add(r);
            } else {
                quiesced.add(q);
            }
        }
        if (!dropped.isEmpty()) {
            synchronized (this) {
                u.regions.removeAll(dropped);
                dropped.forEach(claimed::remove);
            }
        }
        if (u.regions.isEmpty()) {
            returnPrepaid(u);
            unitsEnded(List.of(u), false);
            return;
        }
        CompletableFuture.allOf(quiesced.toArray(CompletableFuture[]::new)).thenRun(() -> copyUnit(u));
    }

    /** Copies the unit from its source (the first good leg not yet found unreadable) onto the other legs. */
    private void copyUnit(Unit u) {
        LegRegions legRegions = mirror.regions();
        Leg source = legRegions.keepServing()
                ? legRegions.good(u.regions.get(0)).stream().filter(l -> !u.unreadable.contains(l)).findFirst().orElse(null)
                : mirror.defaultLeg();
        List<Leg> targets = !legRegions.keepServing() ? mirror.liveLegs().stream().filter(l -> l != source).toList()
                : source == null ? List.of() : legRegions.recoveryTargets(u.regions.get(0), source);
        long start = mirror.regionStart(u.regions.get(0));
        int last = u.regions.get(u.regions.size() - 1);
        long len = mirror.regionStart(last) + mirror.regionLength(last) - start;
        CopyJob job;
        boolean nothingToCopy = false;
        synchronized (this) {
            if (source == null) {
                shortfall.noGoodCopy(u.regions);
            }
            if (state == State.RUNNING && source != null && targets.isEmpty() && legRegions.keepServing()) {
                nothingToCopy = true;      // every other leg lacks the region: its one copy is in sync with itself
                job = null;
                u.wholeLegMarks = legRegions.wholeLegMarks();
                copying.remove(u);
                copied.add(u);
            } else if (state != State.RUNNING || source == null || targets.isEmpty()) {
                job = null;
            } else {
                List<CopyDestination> dests = targets.stream()
                        .map(l -> new CopyDestination(l.device, l.offset + start)).toList();
                job = copier.newJob(new CopyRequest(source.device, source.offset + start, dests, len, false,
                        mirror.throttleGroup()), CopyListener.NONE);
                u.job = job;
                u.targets = targets;
                u.wholeLegMarks = legRegions.wholeLegMarks();
            }
        }
        if (nothingToCopy) {
            returnPrepaid(u);
            flushBatch();
            fill();
            return;
        }
        if (job == null) {
            returnPrepaid(u);
            u.regions.forEach(r -> mirror.tracker().finishRecovery(r, false));
            unitsEnded(List.of(u), false);
            return;
        }
        long paid;
        synchronized (this) {
            paid = u.prepaid;
            u.prepaid = 0;
        }
        job.start(paid);
        job.future().whenComplete((result, err) -> copyEnded(u, start, source, result, err));
    }

    private void copyEnded(Unit u, long start, Leg source, CopyResult result, Throwable err) {
        Throwable cause = MirrorTarget.unwrap(err);
        List<DestinationFailure> failures = result != null ? result.failedDestinations()
                : cause instanceof CopyException ce ? ce.destinationFailures() : List.of();
        if (result != null) {
            resyncedBytes.addAndGet((result.bytesCopied() + result.bytesZeroed()) * (u.targets.size() - failures.size()));
        }
        boolean keepServing = mirror.keepServing();
        for (DestinationFailure f : failures) {
            Leg leg = u.targets.get(f.index());
            mirror.legFailed(leg, LegError.SYNC, start + f.offset(), f.cause());
            if (keepServing) {
                notResynced(leg, u.regions);
            }
        }
        if (cause instanceof CopyException && failures.size() < u.targets.size()) {
            if (keepServing && failures.isEmpty()) {
                u.unreadable.add(source);
                mirror.legFailed(source, LegError.READ, start, cause);
                copyUnit(u);                     // from the next good leg, if any
                return;
            }
            if (!keepServing) {
                synchronized (this) {
                    fatal = "default leg " + source.name + " could not be read: " + cause.getMessage();
                }
            }
            mirror.legFailed(source, LegError.READ, start, cause);
        }
        if (cause != null || !failures.isEmpty()) {
            u.regions.forEach(r -> mirror.tracker().finishRecovery(r, false));
            unitsEnded(List.of(u), false);
            return;
        }
        synchronized (this) {
            copying.remove(u);
            copied.add(u);
        }
        flushBatch();
        fill();
    }

    /**
     * With keep_serving, a copy onto {@code leg} failed (or did not flush): its copies of {@code regions} are stale
     * (recorded by the listener; recovery does not wait for it) and recovery gives up on them in this run.
     */
    private void notResynced(Leg leg, List<Integer> regions) {
        synchronized (this) {
            shortfall.notResynced(leg, regions);
        }
        regions.forEach(r -> logFailure(mirror.copyStale(leg, r)));
    }

    /** Recovery acknowledges nothing, so it does not wait for stale records: it logs those that fail. */
    private void logFailure(CompletableFuture<Void> staleRecord) {
        staleRecord.exceptionally(e -> {
            LOG.warn("mirror {}: {}", mirror.describe(), e.getMessage());
            return null;
        });
    }

    /** Starts the flush of the copied units unless one is running; the next starts when it ends. */
    private void flushBatch() {
        List<Unit> batch;
        synchronized (this) {
            if (!flushing.isEmpty() || copied.isEmpty()) {
                return;
            }
            batch = List.copyOf(copied);
            copied.clear();
            flushing.addAll(batch);
        }
        // the legs copied onto: the source was only read (dm-raid1 does not flush it either; its own writes
        // become durable with the client's flushes, which the mirror passes to every leg)
        Map<Leg, CompletableFuture<Boolean>> flushes = new LinkedHashMap<>();
        batch.forEach(u -> u.targets.forEach(leg -> flushes.computeIfAbsent(leg, this::flushLeg)));
        CompletableFuture.allOf(flushes.values().toArray(CompletableFuture[]::new)).whenComplete((v, e) -> {
            boolean blocked = mirror.recoveryBlocker() != null;
            List<Unit> synced = new ArrayList<>();
            List<Unit> unsynced = new ArrayList<>();
            for (Unit u : batch) {
                List<Leg> unflushed = u.targets.stream().filter(l -> !flushes.get(l).join()).toList();
                boolean inSync = unflushed.isEmpty() && !blocked
                        && u.wholeLegMarks == mirror.regions().wholeLegMarks();
                if (mirror.keepServing()) {
                    unflushed.forEach(leg -> notResynced(leg, u.regions));
                }
                for (int r : u.regions) {
                    if (inSync) {
                        mirror.regions().resynced(r);
                    }
                    mirror.tracker().finishRecovery(r, inSync);
                }
                (inSync ? synced : unsynced).add(u);
            }
            unitsEnded(unsynced, false);
            if (!synced.isEmpty()) {
                mirror.log().flush().whenComplete((x, logErr) -> unitsEnded(synced, logErr == null));
            }
        });
    }

    /** Flushes a leg copied onto; with keep_serving a failed flush makes the whole leg stale. */
    private CompletableFuture<Boolean> flushLeg(Leg leg) {
        return leg.device.flush().handle((v, err) -> {
            if (err != null) {
                mirror.legFailed(leg, LegError.FLUSH, -1, err);
                if (mirror.keepServing()) {
                    logFailure(mirror.legStale(leg));
                }
            }
            return err == null;
        });
    }

    private void unitsEnded(List<Unit> units, boolean synced) {
        if (synced) {
            units.forEach(u -> u.regions.forEach(mirror::regionSynced));
        }
        CompletableFuture<Void> nowPaused = null;
        synchronized (this) {
            for (Unit u : units) {
                u.regions.forEach(claimed::remove);
                copying.remove(u);
                flushing.remove(u);
            }
            if (state == State.PAUSING && claimed.isEmpty()) {
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
