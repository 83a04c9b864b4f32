package dev.ferry.daemon.pvmove;

import static dev.ferry.daemon.pvmove.MoveDevices.indices;
import static dev.ferry.daemon.pvmove.MoveDevices.withStates;

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
import dev.ferry.mapper.mirror.MirrorTarget;
import dev.ferry.mapper.mirror.RecoveryOutcome;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.LongSupplier;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives one pvmove LV to its end: segments go DISABLED -> RUNNING (log slice zeroed, committed, pvmove device
 * reloaded with a mirror) -> COMPLETED (committed to the destinations first, then reloaded as linear on the
 * destination; if a destination cannot take that commit the segments are held instead, see {@link MoveCommits}), one
 * at a time, or all
 * together with {@code atomic}; then the LVs are switched to the destination and the pvmove LVs removed. A destination
 * that fails (its mirror leg dies; the source and the region log do not) holds the copying segments: RUNNING ->
 * HELD, committed and reloaded under a flushing suspend with the destination leg offline, so the source serves and
 * the region logs keep what was copied while regions written since go out of sync; a continue (a bare
 * {@code pvmove}, or the job's start after a daemon restart) makes them RUNNING again, copying only what is out of
 * sync. An abort (also of a held move) or another failure puts the LVs back on the source (keeping completed
 * segments unless atomic). Every metadata change is committed before the tables rely on it, so a crash resumes from
 * the metadata and the per-segment disk logs. States in {@link JobState}.
 */
final class PvMoveJob implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(PvMoveJob.class);

    private final long id;
    private final VolumeService service;
    private final String vgName;
    private final String name;
    private final boolean atomic;
    private final MoveDevices devices;
    private final CopyMeter meter;
    private final JobTimer timer;
    private final List<String> movedLvs;
    private final CompletableFuture<JobState> done = new CompletableFuture<>();
    private final JobRequests requests = new JobRequests();
    private volatile JobState state = JobState.PLANNED;
    private volatile String errorCode;
    private volatile String errorMessage;
    private volatile LogicalVolume layout;
    private volatile VolumeGroup lastVg;
    private final CopyRecord copies = new CopyRecord();
    private final SegmentVerifier verifier;
    private final MoveCommits commits;

    PvMoveJob(long id, VolumeService service, VolumeGroup vg, LogicalVolume pvmove, LongSupplier nanoClock,
            long startedNanos) {
        this.id = id;
        this.service = service;
        this.vgName = vg.name();
        this.name = pvmove.name();
        this.atomic = pvmove.move().atomic();
        this.devices = new MoveDevices(service, vgName, name, pvmove.move().logLv());
        this.layout = pvmove;
        this.lastVg = vg;
        this.meter = new CopyMeter(nanoClock);
        this.timer = new JobTimer(nanoClock, startedNanos);
        this.verifier = new SegmentVerifier(service.activator(), vgName, name);
        this.commits = new MoveCommits(service, vgName, name, this::requireRunning);
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

    /** How far the copy got, and the bytes it wrote onto destinations. */
    CopyRecord copies() {
        return copies;
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
        requests.abort();
    }

    /** Asks the job to stop without touching the metadata (daemon shutdown; the move resumes at next start). */
    void requestStop() {
        requests.stop();
    }

    /**
     * Asks a held job to continue; completes once it has (RUNNING again), or held again (its destination still
     * missing: see {@link #errorMessage}), or ended. A job that is not held answers at its next step.
     */
    CompletableFuture<Void> requestContinue() {
        return requests.resume();
    }

    @Override
    public void run() {
        try {
            transition(JobState.RUNNING);
            loop();
        } catch (RuntimeException e) {
            if (requests.stopping()) {
                LOG.info("pvmove {} stopped: {}", name, e.toString());
            } else {
                fail(e instanceof VolumeException ve ? ve.getMessage() : e.toString(), e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            timer.end();
            done.complete(state);
            requests.answered();
        }
    }

    private void loop() throws InterruptedException {
        boolean retry = true;   // segments found held when the job starts (a resumed move) are continued once
        while (!requests.stopping()) {
            if (requests.aborting()) {
                noteCopied();
                transition(JobState.ABORTING);
                lastVg = devices.detach(!atomic);
                transition(JobState.ABORTED);
                LOG.info("pvmove {} aborted", name);
                return;
            }
            LogicalVolume lv = current();
            List<Segment> segs = lv.segments();
            List<Integer> held = indices(segs, MoveState.HELD);
            if (!held.isEmpty()) {
                retry |= requests.takeContinue();
                String missing = devices.missingDestination(current(v -> v), held);
                if (retry && missing == null) {
                    unhold(held);
                } else {
                    hold(retry ? missing : null);
                }
                retry = false;
                continue;
            }
            retry = false;
            if (requests.takeContinue()) {
                requests.answered();   // nothing is held: nothing to continue
            }
            List<Integer> running = indices(segs, MoveState.RUNNING);
            if (indices(segs, MoveState.COMPLETED).size() == segs.size()) {
                transition(JobState.COMPLETING);
                lastVg = devices.detach(true);
                transition(JobState.COMPLETED);
                LOG.info("pvmove {} completed", name);
                return;
            }
            if (running.isEmpty()) {
                List<Integer> disabled = indices(segs, MoveState.DISABLED);
                List<Integer> next = atomic ? disabled : disabled.subList(0, 1);
                devices.zeroLogs(current(v -> v), next);
                commit(l -> withStates(l, next, MoveState.RUNNING), false);
                continue;
            }
            List<CompletableFuture<RecoveryOutcome>> outcomes = new ArrayList<>();
            for (int i : running) {
                copies.track(service.activator().mirrorSegment(vgName, name, i));   // a resumed move's first mirrors
                outcomes.add(recovery(i).finished());
            }
            List<CompletableFuture<?>> any = new ArrayList<>(outcomes);
            any.add(requests.wake());
            await(CompletableFuture.anyOf(any.toArray(CompletableFuture[]::new)));
            if (requests.aborting() || requests.stopping()) {
                continue;
            }
            boolean allDone = true;   // each future looked at once: one that ends meanwhile is seen next round
            for (int k = 0; k < outcomes.size(); k++) {
                CompletableFuture<RecoveryOutcome> o = outcomes.get(k);
                if (!o.isDone()) {
                    allDone = false;
                } else if (o.join().status() == RecoveryOutcome.Status.DEGRADED) {
                    String failed = "pvmove " + name + ": copy to the destination failed (" + o.join().reason() + ")";
                    if (!destinationFailed(running.get(k))) {
                        throw new VolumeException(ErrorCode.MIGRATE_FAIL, failed + "; data stays on the source");
                    }
                    holdAfter(running, failed);
                    allDone = false;
                    break;
                }
            }
            if (allDone && (!lv.move().verify() || verifier.verifyAll(running, current(v -> v), requests.wake()))) {
                List<Integer> disabled = indices(segs, MoveState.DISABLED);
                List<Integer> next = atomic || disabled.isEmpty() ? List.of() : disabled.subList(0, 1);
                devices.zeroLogs(current(v -> v), next);
                switchSegments(running, next);
            }
        }
    }

    /** Whether segment {@code i}'s copy failed by its destination alone (no failure of its source leg or log). */
    private boolean destinationFailed(int i) {
        MirrorTarget m = service.activator().mirrorSegment(vgName, name, i);
        return m.legHealth().charAt(0) == 'A' && !m.logFailed();
    }

    /** Holds the copying segments {@code running} after their destination failed ({@code failed} says how). */
    private void holdAfter(List<Integer> running, String failed) {
        heldBy(running, failed);
        commit(l -> withStates(l, running, MoveState.HELD), true);
    }

    /**
     * The commit switching segments {@code running} to their destinations (and starting {@code next}); if a
     * destination could not take it, the segments are held on the source instead ({@link MoveCommits}).
     */
    private void switchSegments(List<Integer> running, List<Integer> next) {
        MoveCommits.Switch r = commits.switchSegments(running, next);
        if (r.refusal() != null) {
            heldBy(running, "pvmove " + name + ": the commit switching segment(s) " + running + " to the destination "
                    + "did not happen: " + r.refusal());
        }
        committed(r.vg());
    }

    /** Records why the move is held ({@code failed}) and how far segments {@code running} had copied. */
    private void heldBy(List<Integer> running, String failed) {
        errorCode = ErrorCode.MIGRATE_FAIL.name();
        errorMessage = failed + "; the move is held: data stays on the source, which serves it; `pvmove` continues "
                + "it (copying only what is not copied yet or was written since), `pvmove --abort` backs out";
        LOG.warn("{}", errorMessage);
        running.forEach(i -> copies.sawCopied(i, copiedFraction(i)));   // what the copier wrote before it failed
    }

    /**
     * Waits held (state HELD) for a continue, an abort or a stop; {@code missing} names the destination a continue
     * found missing, or is null.
     */
    private void hold(String missing) throws InterruptedException {
        if (missing != null) {
            errorCode = ErrorCode.MIGRATE_FAIL.name();
            errorMessage = "pvmove " + name + " is held: its destination " + missing + " is missing (once it is back, "
                    + "`vgextend --restoremissing " + vgName + " " + missing + "` puts it into use again and a continue "
                    + "copies what is not in sync); data stays on the source, `pvmove --abort` backs out";
        }
        if (state != JobState.HELD) {
            transition(JobState.HELD);
            LOG.warn("pvmove {} held: {}", name, errorMessage);
        }
        requests.answered();
        await(requests.wake());
    }

    /** Continues held segments {@code held}: RUNNING again over their region logs, copying what is out of sync. */
    private void unhold(List<Integer> held) {
        if (state == JobState.HELD) {
            transition(JobState.RUNNING);
        }
        commit(l -> withStates(l, held, MoveState.RUNNING), true);
        errorCode = null;
        errorMessage = null;
        LOG.info("pvmove {}: segments {} continue, copying only the regions out of sync", name, held);
        requests.answered();
    }

    /** The {@code --verify} step of this move: what it verified, and where it found a difference. */
    SegmentVerifier verifier() {
        return verifier;
    }

    /** The recovery of segment {@code i} in the live pvmove device. */
    SegmentRecovery recovery(int i) {
        return service.activator().recovery(vgName, name, i);
    }

    /** Commits a change of the pvmove LV and reloads its device ({@link MoveCommits#commit}). */
    private void commit(UnaryOperator<LogicalVolume> change, boolean quiesce) {
        committed(commits.commit(change, quiesce));
    }

    /** Takes the layout of the pvmove LV from {@code vg}, just committed; tracks the new mirrors' copies. */
    private void committed(VolumeGroup vg) {
        layout = vg.requireLv(name);
        lastVg = vg;
        for (int i : indices(layout.segments(), MoveState.RUNNING)) {
            copies.track(service.activator().mirrorSegment(vgName, name, i));
        }
    }

    private void fail(String message, Throwable cause) {
        LOG.error("pvmove {} failed: {}", name, message, cause);
        errorCode = ErrorCode.MIGRATE_FAIL.name();
        errorMessage = message;
        noteCopied();
        try {
            if (service.manager().volumeGroup(vgName).flatMap(v -> v.lv(name)).isPresent()) {
                lastVg = devices.detach(!atomic);
            }
        } catch (RuntimeException e) {
            LOG.error("pvmove {}: putting the LVs back failed; the move stays in the metadata", name, e);
            errorMessage = message + "; rollback failed: " + e.getMessage();
        }
        transition(JobState.FAILED);
    }

    /** Notes how far each segment's copy got, for a move about to end short ({@link CopyRecord#noteEnd}). */
    private void noteCopied() {
        copies.noteEnd(layout, this::copiedFraction);
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
        if (requests.stopping()) {
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

    private static void await(CompletableFuture<?> f) throws InterruptedException {
        try {
            f.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        }
    }
}
