package dev.ferry.daemon.mirror;

import dev.ferry.daemon.jobs.CopyMeter;
import dev.ferry.daemon.jobs.JobTimer;
import dev.ferry.daemon.model.ErrorCode;
import dev.ferry.daemon.model.LogicalVolume;
import dev.ferry.daemon.model.PhysicalVolume;
import dev.ferry.daemon.model.VolumeException;
import dev.ferry.daemon.model.VolumeGroup;
import dev.ferry.daemon.operations.VolumeService;
import dev.ferry.mapper.mirror.MirrorTarget;
import dev.ferry.mapper.mirror.RecoveryOutcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A background job of the mirror verbs (a resync or a migratepp): its states ({@link ResyncState}), its progress
 * (the copies it waits for, counted per region from the LVs' live mirrors), the wait for those copies and the end.
 * A stop (daemon shutdown) is not a transition: the job leaves its wait, stays RUNNING and commits nothing more, so
 * its record in the metadata makes the next start resume it. {@link #progress} may be read from any thread.
 */
abstract class MirrorJob implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(MirrorJob.class);
    private static final long POLL_MILLIS = 250;

    /** Thrown out of a wait when the daemon stops: the job ends without a transition, its record kept. */
    static final class Stopped extends RuntimeException {
        Stopped() {
            super("the daemon is stopping", null, false, false);
        }
    }

    /** The copies (one LE each) of LV {@code lv} the job waits for. */
    record Part(String lv, List<StaleMarks.Copy> copies, long extentSize) {
        long bytes() {
            return copies.size() * extentSize;
        }
    }

    private final long id;
    private final ResyncRequest request;
    private final boolean resumed;
    private final Duration stall;
    private final LongSupplier nanoClock;
    private final Runnable release;
    private final CopyMeter meter;
    private final JobTimer timer;
    private final CompletableFuture<ResyncProgress> done = new CompletableFuture<>();
    private final CompletableFuture<Void> wake = new CompletableFuture<>();
    /** The verbs' operations. */
    protected final VolumeService volumes;
    private volatile boolean stopRequested;
    private ResyncState state = ResyncState.RUNNING;
    private ResyncProgress.Error error;
    private ErrorCode warning;
    private long expected;
    private final Map<String, Part> parts = new LinkedHashMap<>();
    private long finishedBytes;
    private long rewrittenBytes;
    private final List<String> lvs = new ArrayList<>();
    private final Set<String> pvs = new TreeSet<>();
    private long extents;
    private long rewritten;

    /**
     * Job {@code id} doing {@code request} ({@code resumed} at a daemon start), giving up on copies after
     * {@code stall} without progress and running {@code release} when it ends.
     */
    MirrorJob(long id, ResyncRequest request, boolean resumed, VolumeService volumes, Duration stall,
            LongSupplier nanoClock, Runnable release) {
        this.id = id;
        this.request = request;
        this.resumed = resumed;
        this.volumes = volumes;
        this.stall = stall;
        this.nanoClock = nanoClock;
        this.release = release;
        this.meter = new CopyMeter(nanoClock);
        this.timer = new JobTimer(nanoClock, nanoClock.getAsLong());
        meter.mibPerSecond(0);
    }

    /** Does the job's work, ending it with {@link #end}; may throw {@link Stopped} or a {@link VolumeException}. */
    protected abstract void work();

    /** The LVs whose records a failed job drops (best effort). */
    protected abstract Collection<String> recordedLvs();

    long id() {
        return id;
    }

    /**
     * The fault point after {@code step} ({@link MirrorService#HALT_PROPERTY}): when the property names it, waits
     * until the daemon stops and throws {@link Stopped}; otherwise returns at once.
     */
    protected final void haltPoint(String step) {
        if (step.equals(System.getProperty(MirrorService.HALT_PROPERTY))) {
            LOG.warn("{} {} of {}: halted after its {} ({}) until the daemon stops", request.verb(), id,
                    request.target(), step, MirrorService.HALT_PROPERTY);
            wake.join();
            throw new Stopped();
        }
    }

    /** The job's request. */
    protected ResyncRequest request() {
        return request;
    }

    /** Whether the job was resumed from its record at a daemon start. */
    protected boolean resumed() {
        return resumed;
    }

    /** Completes with the final progress once the job has ended (or stopped) and released its LVs. */
    CompletableFuture<ResyncProgress> done() {
        return done;
    }

    /** Asks the job to stop waiting (daemon shutdown): it commits nothing more and resumes at the next start. */
    void requestStop() {
        stopRequested = true;
        wake.complete(null);
    }

    /** Throws {@link Stopped} if a stop was asked. */
    protected void checkStop() {
        if (stopRequested) {
            throw new Stopped();
        }
    }

    /** A snapshot of the job. */
    synchronized ResyncProgress progress() {
        long total = finishedBytes + expected;
        long copied = rewrittenBytes;
        for (Part p : parts.values()) {
            total += p.bytes();
            MirrorTarget mirror = volumes.activator().mirrorOf(request.vg(), p.lv()).orElse(null);
            copied += mirror == null ? 0 : p.bytes() - LiveCopies.staleBytes(mirror, p.copies(), p.extentSize());
        }
        double rate = state.terminal() ? 0 : meter.mibPerSecond(copied);
        Long eta = state.terminal() ? null : CopyMeter.eta(total - copied, rate);
        return new ResyncProgress(id, request, state, total, copied, rate, eta, timer.elapsedSeconds(),
                new ResyncResult(request.vg(), List.copyOf(lvs), List.copyOf(pvs), extents, rewritten), error,
                warning, resumed);
    }

    @Override
    public void run() {
        try {
            work();
        } catch (Stopped e) {
            LOG.info("{} {} of {}: stopped with the daemon; it resumes at the next start", request.verb(), id,
                    request.target());
        } catch (VolumeException e) {
            end(ResyncState.FAILED, new ResyncProgress.Error(e.code(), e.getMessage()), null);
            dropRecords();
        } catch (RuntimeException e) {
            LOG.error("{} {} of {} failed", request.verb(), id, request.target(), e);
            end(ResyncState.FAILED, new ResyncProgress.Error(ErrorCode.IO_ERROR, e.toString()), null);
            dropRecords();
        } finally {
            timer.end();
            release.run();
            done.complete(progress());
        }
    }

    /** Ends the job in {@code to}, with {@code why} if it did not succeed and the {@code outcome} warning if any. */
    protected final synchronized void end(ResyncState to, ResyncProgress.Error why, ErrorCode outcome) {
        state.checkTransition(to);
        state = to;
        error = why;
        warning = outcome;
        parts.clear();
        expected = 0;
        LOG.info("{} {} of {}: {}{}", request.verb(), id, request.target(), outcome == null ? to : outcome,
                why == null ? "" : ": " + why.message());
    }

    /** Counts {@code bytes} the job expects to copy before it knows which copies (a migratepp before its extend). */
    protected final synchronized void expect(long bytes) {
        expected = bytes;
    }

    /** Follows {@code part} from now on in the progress. */
    protected final synchronized void track(Part part) {
        expected = 0;
        parts.put(part.lv(), part);
    }

    /** Adds {@code part}'s end, {@code left} of its copies still stale, to the result. */
    protected final synchronized void finished(Part part, List<StaleMarks.Copy> left, VolumeGroup vg) {
        parts.remove(part.lv());
        if (!part.copies().isEmpty()) {
            lvs.add(part.lv());
        }
        part.copies().forEach(c -> pvs.add(vg.pv(c.pv()).map(PhysicalVolume::name).orElse(c.pv().toString())));
        extents += part.copies().stream().mapToLong(StaleMarks.Copy::le).distinct().count();
        rewritten += part.copies().size() - left.size();
        finishedBytes += part.bytes();
        rewrittenBytes += (part.copies().size() - left.size()) * part.extentSize();
    }

    /**
     * Waits until {@code part}'s copies are in sync in its LV's live mirror (null), or says why it stopped waiting:
     * the recovery ended with some stale, or they made no progress for the stall deadline.
     *
     * @throws Stopped if the daemon stops meanwhile
     */
    protected final String await(Part part) {
        long last = Long.MAX_VALUE;
        long since = nanoClock.getAsLong();
        while (true) {
            checkStop();
            MirrorTarget mirror = Online.mirror(volumes, request.vg(), part.lv());   // a reload may replace it
            if (mirror == null) {
                return "the LV has no live mirror";
            }
            CompletableFuture<RecoveryOutcome> end = mirror.recoveryFinished();
            boolean ended = end.isDone();
            long left = LiveCopies.staleBytes(mirror, part.copies(), part.extentSize());
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

    /** The copies of {@code part} its LV's live mirror still has stale (all of them without a live mirror). */
    protected final List<StaleMarks.Copy> stillStale(Part part) {
        MirrorTarget mirror = Online.mirror(volumes, request.vg(), part.lv());
        return part.copies().stream().filter(c -> mirror == null
                || LiveCopies.stale(mirror, c.leg(), c.le(), part.extentSize())).toList();
    }

    /** Whether {@code lv} carries a resync record. */
    static boolean hasRecord(LogicalVolume lv) {
        return lv.mirrored() && lv.mirror().resync() != null;
    }

    /** {@code lv} without its resync record. */
    protected static LogicalVolume withoutRecord(LogicalVolume lv) {
        return hasRecord(lv) ? lv.withMirror(lv.mirror().withResync(null)) : lv;
    }

    /** A failed job drops the records of its LVs, so the next start does not resume it; logged if that fails. */
    private void dropRecords() {
        Collection<String> names = recordedLvs();
        try {
            VolumeGroup now = Online.vg(volumes, request.vg());
            if (names.stream().noneMatch(n -> now.lv(n).map(MirrorJob::hasRecord).orElse(false))) {
                return;
            }
            volumes.change(request.vg(), vg -> {
                VolumeGroup out = vg;
                for (String name : names) {
                    if (out.lv(name).map(MirrorJob::hasRecord).orElse(false)) {
                        out = out.withLvChanged(name, MirrorJob::withoutRecord);
                    }
                }
                return out;
            }, vg -> { });
        } catch (RuntimeException e) {
            LOG.warn("{} {}: could not drop its record from {}: {}", request.verb(), id, names, e.getMessage());
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
