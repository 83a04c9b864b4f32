package dev.ferry.daemon.pvmove;

import dev.ferry.daemon.activation.Activator;
import dev.ferry.daemon.activation.RegionLogSlices;
import dev.ferry.daemon.activation.SegmentRecovery;
import dev.ferry.daemon.jobs.CopyMeter;
import dev.ferry.daemon.jobs.JobTimer;
import dev.ferry.daemon.model.ErrorCode;
import dev.ferry.daemon.model.LogicalVolume;
import dev.ferry.daemon.model.MoveState;
import dev.ferry.daemon.model.Segment;
import dev.ferry.daemon.model.VolumeException;
import dev.ferry.daemon.model.VolumeGroup;
import dev.ferry.daemon.operations.VolumeService;
import dev.ferry.mapper.device.MappedDevice;
import dev.ferry.mapper.mirror.RecoveryOutcome;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives one pvmove LV to its end: segments go DISABLED -> RUNNING (log slice zeroed, committed, pvmove device
 * reloaded with a mirror) -> COMPLETED (committed, reloaded as linear on the destination), one at a time, or all
 * together with {@code atomic}; then the LVs are switched to the destination and the pvmove LVs removed. An abort
 * or a degraded mirror (failing destination) puts the LVs back on the source (keeping completed segments unless
 * atomic). Every metadata change is committed before the tables rely on it, so a crash resumes from the metadata
 * and the per-segment disk logs. States in {@link JobState}.
 */
final class PvMoveJob implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(PvMoveJob.class);
    private static final long DEACTIVATE_SECONDS = 60;

    private final long id;
    private final VolumeService service;
    private final String vgName;
    private final String name;
    private final boolean atomic;
    private final String logLv;
    private final CopyMeter meter;
    private final JobTimer timer;
    private final List<String> movedLvs;
    private final CompletableFuture<JobState> done = new CompletableFuture<>();
    private volatile CompletableFuture<Void> wake = new CompletableFuture<>();
    private volatile JobState state = JobState.PLANNED;
    private volatile boolean abortRequested;
    private volatile boolean stopRequested;
    private volatile String errorCode;
    private volatile String errorMessage;
    private volatile LogicalVolume layout;
    private volatile VolumeGroup lastVg;
    private volatile double[] copiedAtEnd;
    /** Per segment index, the most of it seen copied while all its legs were alive. */
    private final Map<Integer, Double> seenCopied = new ConcurrentHashMap<>();
    private final SegmentVerifier verifier;

    PvMoveJob(long id, VolumeService service, VolumeGroup vg, LogicalVolume pvmove, LongSupplier nanoClock,
            long startedNanos) {
        this.id = id;
        this.service = service;
        this.vgName = vg.name();
        this.name = pvmove.name();
        this.atomic = pvmove.move().atomic();
        this.logLv = pvmove.move().logLv();
        this.layout = pvmove;
        this.lastVg = vg;
        this.meter = new CopyMeter(nanoClock);
        this.timer = new JobTimer(nanoClock, startedNanos);
        this.verifier = new SegmentVerifier(service.activator(), vgName, name);
        this.movedLvs = vg.lvs().stream().filter(l -> l.segments().stream().anyMatch(s -> s.areas().stream()
                .anyMatch(a -> name.equals(a.lv())))).map(LogicalVolume::name).toList();
    }

    /** The LVs this move started with. */
    List<String> movedLvs() {
        return movedLvs;
    }

    long id() {
        return id;
    }

    String vgName() {
        return vgName;
    }

    String name() {
        return name;
    }

    JobState state() {
        return state;
    }

    LogicalVolume layout() {
        return layout;
    }

    VolumeGroup lastVg() {
        return lastVg;
    }

    String errorCode() {
        return errorCode;
    }

    String errorMessage() {
        return errorMessage;
    }

    CopyMeter meter() {
        return meter;
    }

    /**
     * The fraction of segment {@code i} copied when the move ended short (taken as it began to abort or failed,
     * before its devices went), or NaN while it has not.
     */
    double copiedAtEnd(int i) {
        double[] fractions = copiedAtEnd;
        return fractions == null ? Double.NaN : i < fractions.length ? fractions[i] : 0;
    }

    /** Notes that segment {@code i} was seen {@code fraction} copied (by a status read of the running move). */
    void sawCopied(int i, double fraction) {
        seenCopied.merge(i, fraction, Math::max);
    }

    /** Seconds from the request (or resume) to the end, or to now while running. */
    double elapsedSeconds() {
        return timer.elapsedSeconds();
    }

    /** Takes the pvmove LV's layout from {@code vg} (after a change made outside the job, such as the rate). */
    void observe(VolumeGroup vg) {
        vg.lv(name).ifPresent(lv -> {
            layout = lv;
            lastVg = vg;
        });
    }

    /** Completes with the final state (or the state at a stop). */
    CompletableFuture<JobState> done() {
        return done;
    }

    /** Asks the job to abort; it puts the LVs back on the source and ends ABORTED. */
    void requestAbort() {
        abortRequested = true;
        wake.complete(null);
    }

    /** Asks the job to stop without touching the metadata (daemon shutdown; the move resumes at next start). */
    void requestStop() {
        stopRequested = true;
        wake.complete(null);
    }

    @Override
    public void run() {
        try {
            transition(JobState.RUNNING);
            loop();
        } catch (RuntimeException e) {
            if (stopRequested) {
                LOG.info("pvmove {} stopped: {}", name, e.toString());
            } else {
                fail(e instanceof VolumeException ve ? ve.getMessage() : e.toString(), e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            timer.end();
            done.complete(state);
        }
    }

    private void loop() throws InterruptedException {
        while (!stopRequested) {
            if (abortRequested) {
                noteCopied();
                transition(JobState.ABORTING);
                detach(!atomic);
                transition(JobState.ABORTED);
                LOG.info("pvmove {} aborted", name);
                return;
            }
            LogicalVolume lv = current();
            List<Segment> segs = lv.segments();
            List<Integer> running = indices(segs, MoveState.RUNNING);
            if (indices(segs, MoveState.COMPLETED).size() == segs.size()) {
                transition(JobState.COMPLETING);
                detach(true);
                transition(JobState.COMPLETED);
                LOG.info("pvmove {} completed", name);
                return;
            }
            if (running.isEmpty()) {
                List<Integer> disabled = indices(segs, MoveState.DISABLED);
                List<Integer> next = atomic ? disabled : disabled.subList(0, 1);
                zeroLogs(next);
                commit(l -> withStates(l, next, MoveState.RUNNING));
                continue;
            }
            List<CompletableFuture<RecoveryOutcome>> outcomes = new ArrayList<>();
            for (int i : running) {
                outcomes.add(recovery(i).finished());
            }
            List<CompletableFuture<?>> any = new ArrayList<>(outcomes);
            any.add(wake);
            await(CompletableFuture.anyOf(any.toArray(CompletableFuture[]::new)));
            if (abortRequested || stopRequested) {
                continue;
            }
            boolean allDone = true;   // each future looked at once: one that ends meanwhile is seen next round
            for (CompletableFuture<RecoveryOutcome> o : outcomes) {
                if (!o.isDone()) {
                    allDone = false;
                } else if (o.join().status() == RecoveryOutcome.Status.DEGRADED) {
                    throw new VolumeException(ErrorCode.MIGRATE_FAIL, "pvmove " + name + ": copy to the "
                            + "destination failed (" + o.join().reason() + "); data stays on the source");
                }
            }
            if (allDone && (!lv.move().verify() || verifier.verifyAll(running, current(v -> v), wake))) {
                List<Integer> disabled = indices(segs, MoveState.DISABLED);
                List<Integer> next = atomic || disabled.isEmpty() ? List.of() : disabled.subList(0, 1);
                zeroLogs(next);
                commit(l -> withStates(withStates(l, running, MoveState.COMPLETED), next, MoveState.RUNNING));
            }
        }
    }

    /** The {@code --verify} step of this move: what it verified, and where it found a difference. */
    SegmentVerifier verifier() {
        return verifier;
    }

    /** The recovery of segment {@code i} in the live pvmove device. */
    SegmentRecovery recovery(int i) {
        return service.activator().recovery(vgName, name, i);
    }

    /** Commits a change of the pvmove LV and reloads its device. */
    private void commit(UnaryOperator<LogicalVolume> change) {
        VolumeGroup vg = service.change(vgName, v -> {
            requireRunning();
            return v.withLvChanged(name, change);
        }, committed -> service.activator().reload(committed, committed.requireLv(name)));
        layout = vg.requireLv(name);
        lastVg = vg;
    }

    /** Zeroes the log slices of segments {@code indices} (before they are committed RUNNING). */
    private void zeroLogs(List<Integer> indices) {
        if (indices.isEmpty()) {
            return;
        }
        VolumeGroup vg = current(v -> v);
        LogicalVolume lv = vg.lv(name).orElseThrow();
        long slice = RegionLogSlices.sliceBytes(vg.extentSize(), lv);
        MappedDevice log = service.activator().device(vgName, logLv).orElseThrow(() -> new IllegalStateException(
                "log LV " + logLv + " is not active"));
        for (int i : indices) {
            join(log.writeZeroes(i * slice, slice, false), "zeroing log slice " + i);
        }
        join(log.flush(), "flushing the log of " + name);
    }

    /** Ends the move in the metadata, then switches the LVs and removes the pvmove devices. */
    private void detach(boolean keepCompleted) {
        List<String> moved = new ArrayList<>();
        lastVg = service.change(vgName, v -> {
            moved.addAll(v.lvs().stream().filter(l -> l.segments().stream().anyMatch(s -> s.areas().stream()
                    .anyMatch(a -> name.equals(a.lv())))).map(LogicalVolume::name).toList());
            return PvMoveResolver.detach(v, name, keepCompleted);
        }, vg -> {
            Activator act = service.activator();
            for (String m : moved) {
                act.reload(vg, vg.requireLv(m));
            }
            join(act.deactivate(vgName, name, true), "removing the device of " + name);
            join(act.deactivate(vgName, logLv, true), "removing the device of " + logLv);
        });
    }

    private void fail(String message, Throwable cause) {
        LOG.error("pvmove {} failed: {}", name, message, cause);
        errorCode = ErrorCode.MIGRATE_FAIL.name();
        errorMessage = message;
        noteCopied();
        try {
            if (service.manager().volumeGroup(vgName).flatMap(v -> v.lv(name)).isPresent()) {
                detach(!atomic);
            }
        } catch (RuntimeException e) {
            LOG.error("pvmove {}: putting the LVs back failed; the move stays in the metadata", name, e);
            errorMessage = message + "; rollback failed: " + e.getMessage();
        }
        transition(JobState.FAILED);
    }

    /**
     * Notes how far each segment's copy got, for a move about to end short (an abort or a failure takes its devices
     * down): a completed segment whole, a running one by what its mirror's recovery copied (regions in sync, or bytes
     * copied where a destination leg that died put every region out of sync) or by the most a status read saw copied
     * before, whichever is more, one not started yet nothing. A segment whose mirror cannot be asked counts what was
     * seen.
     */
    private void noteCopied() {
        if (copiedAtEnd != null) {
            return;
        }
        List<Segment> segs = layout.segments();
        double[] fractions = new double[segs.size()];
        for (int i = 0; i < fractions.length; i++) {
            MoveState s = segs.get(i).moveState();
            fractions[i] = s == MoveState.COMPLETED ? 1
                    : s == MoveState.RUNNING ? Math.max(seenCopied.getOrDefault(i, 0.0), copiedFraction(i)) : 0;
        }
        copiedAtEnd = fractions;
    }

    private double copiedFraction(int i) {
        try {
            return recovery(i).copiedFraction();
        } catch (RuntimeException e) {
            LOG.debug("pvmove {}: segment {} has no live mirror to ask how far it copied", name, i, e);
            return 0;
        }
    }

    private void transition(JobState to) {
        state.checkTransition(to);
        state = to;
    }

    private void requireRunning() {
        if (stopRequested) {
            throw new IllegalStateException("pvmove " + name + " is stopping");
        }
    }

    private LogicalVolume current() {
        LogicalVolume lv = current(v -> v).lv(name).orElseThrow(() -> new IllegalStateException(
                "pvmove LV " + name + " vanished from " + vgName));
        layout = lv;
        return lv;
    }

    private VolumeGroup current(UnaryOperator<VolumeGroup> f) {
        return f.apply(service.manager().volumeGroup(vgName).orElseThrow(() -> new IllegalStateException(
                "volume group " + vgName + " vanished")));
    }

    private static LogicalVolume withStates(LogicalVolume lv, List<Integer> indices, MoveState to) {
        List<Segment> segs = new ArrayList<>(lv.segments());
        indices.forEach(i -> segs.set(i, segs.get(i).withMoveState(to)));
        return lv.withSegments(segs);
    }

    private static List<Integer> indices(List<Segment> segs, MoveState s) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < segs.size(); i++) {
            if (segs.get(i).moveState() == s) {
                out.add(i);
            }
        }
        return out;
    }

    private static void await(CompletableFuture<?> f) throws InterruptedException {
        try {
            f.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        }
    }

    private static void join(CompletableFuture<?> f, String what) {
        try {
            f.get(DEACTIVATE_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException(what + " failed: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException(what + " timed out", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(what + " interrupted", e);
        }
    }
}
