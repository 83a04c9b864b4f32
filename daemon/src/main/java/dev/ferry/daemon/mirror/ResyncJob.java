package dev.ferry.daemon.mirror;

import dev.ferry.daemon.jobs.CopyMeter;
import dev.ferry.daemon.jobs.JobTimer;
import dev.ferry.daemon.model.ErrorCode;
import dev.ferry.daemon.model.LogicalVolume;
import dev.ferry.daemon.model.LvFlag;
import dev.ferry.daemon.model.PhysicalVolume;
import dev.ferry.daemon.model.VolumeException;
import dev.ferry.daemon.model.VolumeGroup;
import dev.ferry.daemon.operations.VolumeService;
import dev.ferry.mapper.mirror.MirrorTarget;
import dev.ferry.mapper.mirror.RecoveryOutcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resyncs chosen logical extents of mirrored LVs, one LV after the other: with force marks every copy but the first
 * good one stale (committed), reloads the LV so its live mirror copies a good copy onto the stale ones (under the
 * LV's recovery rate), waits until they are in sync, until recovery ends with some stale, or until they made no
 * progress for the stall deadline, then marks the synced copies good (committed). States in {@link ResyncState};
 * {@link #progress} may be read from any thread while it runs.
 */
final class ResyncJob implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(ResyncJob.class);
    private static final long POLL_MILLIS = 250;

    /** The copies of the LV being resynced and its live mirror (null before the reload). */
    private record Live(MirrorTarget mirror, List<StaleMarks.Copy> copies, long extentSize) {
        long bytes() {
            return copies.size() * extentSize;
        }

        long copied() {
            return mirror == null ? 0 : bytes() - LiveCopies.staleBytes(mirror, copies, extentSize);
        }
    }

    private final long id;
    private final ResyncRequest request;
    private final Map<String, List<Long>> les;
    private final VolumeService volumes;
    private final Duration stall;
    private final LongSupplier nanoClock;
    private final Runnable release;
    private final CopyMeter meter;
    private final JobTimer timer;
    private final CompletableFuture<ResyncProgress> done = new CompletableFuture<>();
    private final CompletableFuture<Void> wake = new CompletableFuture<>();
    private volatile boolean stopRequested;
    private ResyncState state = ResyncState.RUNNING;
    private ResyncProgress.Error error;
    private final Map<String, Long> planned;
    private long finishedBytes;
    private long rewrittenBytes;
    private Live current;
    private final List<String> lvs = new ArrayList<>();
    private final Set<String> pvs = new TreeSet<>();
    private long extents;
    private long rewritten;
    private final List<String> notSynced = new ArrayList<>();
    private final List<String> reasons = new ArrayList<>();

    /**
     * A job resyncing LEs {@code les} (by LV) of {@code request}'s VG, giving up on an LV after {@code stall} without
     * progress, and running {@code release} when it ends.
     */
    ResyncJob(long id, ResyncRequest request, Map<String, List<Long>> les, VolumeService volumes, Duration stall,
            LongSupplier nanoClock, Runnable release) {
        this.id = id;
        this.request = request;
        this.les = new TreeMap<>(les);
        this.volumes = volumes;
        this.stall = stall;
        this.nanoClock = nanoClock;
        this.release = release;
        this.meter = new CopyMeter(nanoClock);
        this.timer = new JobTimer(nanoClock, nanoClock.getAsLong());
        this.planned = plannedBytes(Online.vg(volumes, request.vg()), this.les, request.force());
        meter.mibPerSecond(0);
    }

    /** Bytes of the copies each LV's resync would rewrite, as the metadata stands. */
    private static Map<String, Long> plannedBytes(VolumeGroup vg, Map<String, List<Long>> les, boolean force) {
        Map<String, Long> out = new TreeMap<>();
        les.forEach((name, chosen) -> {
            LogicalVolume lv = vg.requireLv(name);
            LogicalVolume marked = force ? StaleMarks.allButFirstGood(lv, chosen) : lv;
            out.put(name, StaleMarks.staleCopies(marked, chosen).size() * vg.extentSize());
        });
        return out;
    }

    long id() {
        return id;
    }

    /** Completes with the final progress once the job has ended and released its LVs. */
    CompletableFuture<ResyncProgress> done() {
        return done;
    }

    /** Asks the job to stop waiting (daemon shutdown): copies not synced yet stay stale, NOTSYNCED. */
    void requestStop() {
        stopRequested = true;
        wake.complete(null);
    }

    /** A snapshot of the job. */
    synchronized ResyncProgress progress() {
        long currentBytes = current == null ? 0 : current.bytes();
        long total = finishedBytes + currentBytes + planned.values().stream().mapToLong(Long::longValue).sum();
        long copied = rewrittenBytes + (current == null ? 0 : current.copied());
        double rate = state.terminal() ? 0 : meter.mibPerSecond(copied);
        Long eta = state.terminal() ? null : CopyMeter.eta(total - copied, rate);
        return new ResyncProgress(id, request, state, total, copied, rate, eta, timer.elapsedSeconds(),
                new ResyncResult(request.vg(), List.copyOf(lvs), List.copyOf(pvs), extents, rewritten), error);
    }

    @Override
    public void run() {
        try {
            les.forEach(this::resync);
            if (notSynced.isEmpty()) {
                end(ResyncState.SUCCEEDED, null);
            } else {
                end(ResyncState.NOTSYNCED, new ResyncProgress.Error(ErrorCode.NOTSYNCED, "could not resync "
                        + String.join(", ", notSynced) + " (" + String.join("; ", reasons)
                        + "); those copies stay stale"));
            }
        } catch (VolumeException e) {
            end(ResyncState.FAILED, new ResyncProgress.Error(e.code(), e.getMessage()));
        } catch (RuntimeException e) {
            LOG.error("resync {} of {} failed", id, request.target(), e);
            end(ResyncState.FAILED, new ResyncProgress.Error(ErrorCode.IO_ERROR, e.toString()));
        } finally {
            timer.end();
            release.run();
            done.complete(progress());
        }
    }

    private synchronized void end(ResyncState to, ResyncProgress.Error why) {
        state.checkTransition(to);
        state = to;
        error = why;
        current = null;
        LOG.info("resync {} of {}: {}{}", id, request.target(), to, why == null ? "" : ": " + why.message());
    }

    /** Resyncs LEs {@code chosen} of LV {@code lvName}. */
    private void resync(String lvName, List<Long> chosen) {
        String vgName = request.vg();
        if (stopRequested) {
            skipped(lvName);
            return;
        }
        Online.mirror(volumes, vgName, lvName);
        VolumeGroup vg = request.force() ? volumes.change(vgName, v -> v.withLvChanged(lvName,
                l -> StaleMarks.allButFirstGood(l, chosen)), v -> { }) : Online.vg(volumes, vgName);
        List<StaleMarks.Copy> stale = StaleMarks.staleCopies(vg.requireLv(lvName), chosen);
        synchronized (this) {
            planned.remove(lvName);
            current = stale.isEmpty() ? null : new Live(null, stale, vg.extentSize());
        }
        if (stale.isEmpty()) {
            return;
        }
        volumes.change(vgName, v -> v, v -> volumes.activator().reload(v, v.requireLv(lvName)));
        String reason = await(lvName, stale, vg.extentSize());
        MirrorTarget mirror = Online.mirror(volumes, vgName, lvName);
        List<StaleMarks.Copy> left = stale.stream().filter(c -> mirror == null
                || LiveCopies.stale(mirror, c.leg(), c.le(), vg.extentSize())).toList();
        boolean wholeForced = request.force() && left.isEmpty() && chosen.size() == vg.requireLv(lvName).extentCount();
        volumes.change(vgName, v -> v.withLvChanged(lvName, l -> {
            LogicalVolume healed = StaleMarks.good(l, stale, left);
            return wholeForced ? StaleMarks.withoutFlag(healed, LvFlag.COPIES_MAY_DIFFER) : healed;
        }), v -> { });
        record(lvName, stale, left, reason, vg);
    }

    /** Adds LV {@code lvName}'s resync of {@code stale} copies, {@code left} of them still stale, to the result. */
    private synchronized void record(String lvName, List<StaleMarks.Copy> stale, List<StaleMarks.Copy> left,
            String reason, VolumeGroup vg) {
        if (!stale.isEmpty()) {
            lvs.add(lvName);
        }
        stale.forEach(c -> pvs.add(vg.pv(c.pv()).map(PhysicalVolume::name).orElse(c.pv().toString())));
        extents += stale.stream().mapToLong(StaleMarks.Copy::le).distinct().count();
        rewritten += stale.size() - left.size();
        left.forEach(c -> notSynced.add(lvName + " LE " + c.le() + " (copy " + c.leg() + ")"));
        if (!left.isEmpty()) {
            reasons.add(lvName + ": " + reason);
        }
        finishedBytes += stale.size() * vg.extentSize();
        rewrittenBytes += (stale.size() - left.size()) * vg.extentSize();
        current = null;
    }

    /** Notes that LV {@code lvName} was not reached before a stop. */
    private synchronized void skipped(String lvName) {
        notSynced.add(lvName + " (all of it)");
        reasons.add(lvName + ": not started, the daemon is stopping");
    }

    /**
     * Waits until LV {@code lvName}'s live mirror has {@code copies} in sync (null), or says why it stopped waiting:
     * the recovery ended, no progress for the stall deadline, or a stop.
     */
    private String await(String lvName, List<StaleMarks.Copy> copies, long extentSize) {
        long last = Long.MAX_VALUE;
        long since = nanoClock.getAsLong();
        while (true) {
            MirrorTarget mirror = Online.mirror(volumes, request.vg(), lvName);   // a reload may replace it
            synchronized (this) {
                current = new Live(mirror, copies, extentSize);
            }
            if (mirror == null) {
                return "the LV has no live mirror";
            }
            CompletableFuture<RecoveryOutcome> end = mirror.recoveryFinished();
            boolean ended = end.isDone();
            long left = LiveCopies.staleBytes(mirror, copies, extentSize);
            if (left == 0) {
                return null;
            }
            if (ended) {
                return "recovery ended: " + describe(end);
            }
            long now = nanoClock.getAsLong();
            if (left < last) {   // fewer stale bytes than at the last look (a reload may have raised them)
                since = now;
            } else if (now - since >= stall.toNanos()) {
                return "no progress for " + stall.toSeconds() + "s";
            }
            last = left;
            if (stopRequested) {
                return "the daemon is stopping";
            }
            try {
                CompletableFuture.anyOf(end, wake).get(POLL_MILLIS, TimeUnit.MILLISECONDS);
            } catch (TimeoutException | ExecutionException e) {
                // looked at again above
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "interrupted";
            }
        }
    }

    private static String describe(CompletableFuture<RecoveryOutcome> end) {
        try {
            RecoveryOutcome o = end.join();
            return o.status() + (o.reason() == null ? "" : " (" + o.reason() + ")");
        } catch (RuntimeException e) {
            return e.toString();
        }
    }
}
