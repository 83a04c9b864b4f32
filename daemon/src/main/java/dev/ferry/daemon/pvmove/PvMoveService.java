package dev.ferry.daemon.pvmove;

import dev.ferry.daemon.activation.Activator;
import dev.ferry.daemon.activation.LvTables;
import dev.ferry.daemon.model.ErrorCode;
import dev.ferry.daemon.model.KnownPvs;
import dev.ferry.daemon.model.LogicalVolume;
import dev.ferry.daemon.model.LvFlag;
import dev.ferry.daemon.model.VolumeException;
import dev.ferry.daemon.model.VolumeGroup;
import dev.ferry.daemon.operations.VolumeService;
import dev.ferry.mapper.copy.Copier;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts, lists, aborts and re-rates pvmoves over a {@link VolumeService}, one {@link PvMoveJob} thread per move;
 * at start it resumes every move found in the metadata. Moves off different source PVs run concurrently, each
 * limited on its own: the recovery of a pvmove device's mirrors copies in the copier throttle group named after the
 * device ({@link LvTables#throttleGroup}), whose limit is the move's effective one. A
 * move's effective limit is its configured one (none by default) while the VG's LVs are idle; while they served
 * foreground I/O since the last probe, it is capped at {@link #BUSY_RATE} (unless the move has a rate of its own)
 * and lowered further by its {@link RateGovernor} while probed foreground read latency is high.
 */
public final class PvMoveService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PvMoveService.class);
    /** How often foreground latency is probed. */
    static final long PROBE_MILLIS = 100;
    private static final int PROBE_BYTES = 4096;
    /** The backoff never throttles a move below 1 MiB/s. */
    private static final long MIN_BACKOFF_RATE = 1 << 20;
    /** Foreground latency this many times the baseline counts as risen. */
    private static final double LATENCY_FACTOR = 4;
    /** The most a move without a rate copies per second while its LVs serve foreground I/O (md's resync throttle). */
    static final long BUSY_RATE = 16L << 20;
    /** Foreground requests this recent make the VG busy. */
    private static final long BUSY_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** How long a continue waits for held moves to leave HELD (a commit and a table swap each). */
    private static final long CONTINUE_SECONDS = 60;
    private final VolumeService service;
    private final LongSupplier nanoClock;
    private final List<PvMoveJob> jobs = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final Map<PvMoveJob, RateGovernor> governors = new HashMap<>();
    private final Map<PvMoveJob, Long> effective = new HashMap<>();
    private final Map<PvMoveJob, Boolean> wasBusy = new HashMap<>();
    private final AtomicLong probes = new AtomicLong();
    private final List<MoveListener> listeners = new CopyOnWriteArrayList<>();
    private ScheduledExecutorService prober;
    private boolean closed;

    /** A service over {@code service}; {@code nanoClock} times the copy rate. */
    public PvMoveService(VolumeService service, LongSupplier nanoClock) {
        this.service = service;
        this.nanoClock = nanoClock;
    }

    /**
     * Resumes every pvmove LV of every VG that has no job yet (daemon start, bare {@code pvmove}; a resumed move whose
     * segments are held continues them if their destinations are present) and asks every held move to continue,
     * waiting until each has (or has held again, its destination still missing).
     */
    public List<MoveProgress> resumeAll() {
        List<CompletableFuture<Void>> answers = new ArrayList<>();
        synchronized (this) {
            for (VolumeGroup vg : service.manager().volumeGroups()) {
                for (LogicalVolume lv : vg.lvs()) {
                    if (lv.has(LvFlag.PVMOVE) && find(vg.name(), lv.name()) == null) {
                        LOG.info("resuming pvmove {}/{}", vg.name(), lv.name());
                        launch(vg, lv, nanoClock.getAsLong());
                    }
                }
            }
            jobs.stream().filter(j -> j.state() == JobState.HELD).forEach(j -> answers.add(j.requestContinue()));
        }
        try {
            CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).get(CONTINUE_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new VolumeException(ErrorCode.IO_ERROR, "held moves did not answer the continue: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for held moves to continue", e);
        }
        return moves();
    }

    /**
     * Plans and commits a move, stacks its LVs on the pvmove device and starts copying in the background.
     *
     * @throws VolumeException a refusal (metadata unchanged), or ACTIVATION_FAILED (rolled back)
     */
    public synchronized MoveProgress start(PvMoveRequest request) {
        ensureOpen();
        long requested = nanoClock.getAsLong();
        PvMovePlanner.Plan[] plan = new PvMovePlanner.Plan[1];
        VolumeGroup vg;
        VolumeGroup current = PvMovePlanner.vgOf(service.manager().volumeGroups(), request.source().path());
        vg = service.change(current.name(), v -> {
            plan[0] = new PvMovePlanner(v).plan(request);
            return plan[0].vg();
        }, committed -> activate(committed, plan[0]));
        PvMoveJob job = launch(vg, vg.lv(plan[0].pvmoveLv()).orElseThrow(), requested);
        return Progress.of(job);
    }

    /** Activates a committed move's devices and stacks its LVs on them; on failure the move is taken back out. */
    private void activate(VolumeGroup vg, PvMovePlanner.Plan plan) {
        String name = plan.pvmoveLv();
        LogicalVolume pvmove = vg.requireLv(name);
        Activator act = service.activator();
        try {
            act.activate(vg, vg.requireLv(pvmove.move().logLv()));
            act.activate(vg, pvmove);
            for (String m : plan.movedLvs()) {
                act.reload(vg, vg.requireLv(m));
            }
        } catch (RuntimeException e) {
            LOG.error("pvmove {}: activation failed, rolling back", name, e);
            service.change(vg.name(), v -> PvMoveResolver.detach(v, name, false), back -> {
                for (String m : plan.movedLvs()) {
                    act.reload(back, back.requireLv(m));
                }
                act.deactivate(vg.name(), name, true);
                act.deactivate(vg.name(), pvmove.move().logLv(), true);
            });
            throw e;
        }
    }

    /** Every move this daemon runs or ran, oldest first. */
    public synchronized List<MoveProgress> moves() {
        return jobs.stream().map(Progress::of).toList();
    }

    /**
     * Aborts the running moves off {@code source} (every running move if null) and waits for them to end.
     *
     * @throws VolumeException NO_SUCH_MOVE if none runs
     */
    public List<MoveProgress> abort(String source, Duration timeout) throws InterruptedException {
        List<PvMoveJob> targets;
        synchronized (this) {
            targets = running(source);
        }
        targets.forEach(PvMoveJob::requestAbort);
        for (PvMoveJob j : targets) {
            try {
                j.done().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            } catch (ExecutionException | TimeoutException e) {
                throw new VolumeException(ErrorCode.IO_ERROR, "abort of " + j.name() + " did not finish: " + e, e);
            }
        }
        return targets.stream().map(Progress::of).toList();
    }

    /**
     * Changes the rate limit of the running move off {@code source} (bytes/s, 0 = none), persisted with the move.
     *
     * @throws VolumeException NO_SUCH_MOVE if none runs
     */
    public synchronized MoveProgress setRate(String source, long bytesPerSecond) {
        if (bytesPerSecond < 0) {
            throw new VolumeException(ErrorCode.INVALID_ARGUMENT, "rate must be >= 0");
        }
        PvMoveJob job = running(source).get(0);
        job.observe(service.change(job.vgName(), v -> v.withLvChanged(job.name(),
                l -> l.withMove(l.move().withRate(bytesPerSecond))), committed -> { }));
        effective.remove(job);
        applyRate();
        return Progress.of(job);
    }

    /**
     * Adds {@code listener}, first telling it of every move running now; it then hears of each move launched and
     * ended (from the move's thread, so it must be quick).
     */
    public synchronized void addListener(MoveListener listener) {
        jobs.stream().filter(j -> !j.done().isDone())
                .forEach(j -> listener.started(j.id(), j.vgName(), j.name()));
        listeners.add(listener);
    }

    /** Move {@code id}'s progress and throttling now, or empty if this service never ran it. */
    public synchronized Optional<MoveStatus> status(long id) {
        return jobs.stream().filter(j -> j.id() == id).findFirst().map(j -> new MoveStatus(Progress.of(j),
                Boolean.TRUE.equals(wasBusy.get(j)), effective.getOrDefault(j, ownRate(j))));
    }

    /** Foreground latency probes completed so far. */
    long probes() {
        return probes.get();
    }

    /** The job state of move {@code name} (for tests and polling). */
    synchronized PvMoveJob job(String name) {
        return jobs.stream().filter(j -> j.name().equals(name)).reduce((a, b) -> b).orElse(null);
    }

    private List<PvMoveJob> running(String source) {
        String src = source == null ? null : KnownPvs.canonical(source);
        List<PvMoveJob> out = jobs.stream().filter(j -> !j.state().terminal())
                .filter(j -> src == null || src.equals(Progress.sourceOf(j))).toList();
        if (out.isEmpty()) {
            throw new VolumeException(ErrorCode.NO_SUCH_MOVE, source == null ? "No pvmove in progress"
                    : "No pvmove in progress for " + src);
        }
        return out;
    }

    private PvMoveJob launch(VolumeGroup vg, LogicalVolume pvmove, long startedNanos) {
        PvMoveJob job = new PvMoveJob(jobs.size() + 1, service, vg, pvmove, nanoClock, startedNanos);
        jobs.add(job);
        Thread t = new Thread(job, "pvmove-" + vg.name() + "-" + pvmove.name());
        t.setDaemon(true);
        threads.add(t);
        governors.put(job, new RateGovernor(MIN_BACKOFF_RATE, LATENCY_FACTOR));
        listeners.forEach(l -> l.started(job.id(), job.vgName(), job.name()));
        job.done().whenComplete((s, e) -> {
            applyRate();
            listeners.forEach(l -> l.ended(job.id(), job.vgName(), job.name(), s == null ? job.state() : s));
        });
        if (pvmove.move().rateLimit() == 0 && busy(job)) {
            effective.put(job, BUSY_RATE);   // a move started on a busy VG yields from its first byte
        }
        applyRate();
        t.start();
        if (prober == null) {
            prober = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread p = new Thread(r, "pvmove-latency-probe");
                p.setDaemon(true);
                return p;
            });
            prober.scheduleWithFixedDelay(this::probe, PROBE_MILLIS, PROBE_MILLIS, TimeUnit.MILLISECONDS);
        }
        return job;
    }

    /**
     * Sets each running move's effective rate every {@link #PROBE_MILLIS}: its own while the VG is idle, else capped
     * and governed by a timed read through the pvmove device (see {@link #busyRate}).
     */
    private void probe() {
        try {
            probeRunning();
        } catch (RuntimeException e) {
            LOG.warn("pvmove latency probe failed", e);
        }
    }

    private void probeRunning() {
        List<PvMoveJob> running;
        synchronized (this) {
            running = jobs.stream().filter(j -> j.state() == JobState.RUNNING).toList();
        }
        for (PvMoveJob j : running) {
            MoveProgress p = Progress.of(j);
            boolean busy = busy(j);
            long next = p.rateLimit();
            if (busy) {   // an idle VG needs no latency probe (nor the probe's read in the pvmove device's way)
                OptionalLong latency = probeLatency(j);
                if (Thread.currentThread().isInterrupted()) {
                    return;
                }
                if (latency.isEmpty()) {
                    continue;
                }
                next = busyRate(j, p, latency.getAsLong());
            }
            synchronized (this) {
                if (busy != Boolean.TRUE.equals(wasBusy.put(j, busy))) {
                    LOG.info("pvmove {}: LVs of {} {}; copy rate limit now {}", j.name(), j.vgName(),
                            busy ? "serve foreground I/O" : "idle", next == 0 ? "none" : next + " bytes/s");
                }
                if (!Long.valueOf(next).equals(effective.put(j, next))) {
                    LOG.debug("pvmove {}: copy rate limit now {} bytes/s", j.name(), next);
                    applyRate();
                }
            }
        }
    }

    /**
     * Times one 4 KiB read of the last block of move {@code j}'s pvmove device (hidden: the same mirror and source
     * as an LV read, but no foreground I/O); empty if the device is gone, the read failed or took over 2 s.
     */
    private OptionalLong probeLatency(PvMoveJob j) {
        var device = service.activator().device(j.vgName(), j.name());
        if (device.isEmpty()) {
            return OptionalLong.empty();
        }
        long start = nanoClock.getAsLong();
        try {
            long last = Math.max(0, device.get().size() - PROBE_BYTES);
            device.get().read(last, ByteBuffer.allocate(PROBE_BYTES)).get(PROBE_MILLIS * 20, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalLong.empty();
        } catch (ExecutionException | TimeoutException e) {
            return OptionalLong.empty();
        }
        probes.incrementAndGet();
        return OptionalLong.of(nanoClock.getAsLong() - start);
    }

    /**
     * The limit while the VG serves foreground I/O: the governor's (fed only then, so its baseline is a busy
     * one), capped at {@link #BUSY_RATE} unless the move has a rate of its own.
     */
    private long busyRate(PvMoveJob j, MoveProgress p, long latency) {
        long next = governors.get(j).next(p.rateLimit(), latency, (long) (p.mibPerSecond() * (1 << 20)));
        if (p.rateLimit() == 0) {
            next = next == 0 ? BUSY_RATE : Math.min(next, BUSY_RATE);
        }
        return next;
    }

    /** Whether a visible LV of move {@code j}'s VG served a request within the last {@link #BUSY_WINDOW_NANOS}. */
    private boolean busy(PvMoveJob j) {
        for (LogicalVolume lv : j.lastVg().lvs()) {
            if (!lv.hidden() && service.activator().device(j.vgName(), lv.name())
                    .map(d -> d.stats().requestedWithin(BUSY_WINDOW_NANOS)).orElse(false)) {
                return true;
            }
        }
        return false;
    }

    /** Sets each running move's effective limit on its copier throttle group; ended moves' groups are dropped. */
    private synchronized void applyRate() {
        Copier copier = service.activator().copier();
        Set<String> live = new HashSet<>();
        for (PvMoveJob j : jobs) {
            if (!j.state().terminal() && j.layout().move() != null) {
                String group = Activator.deviceName(j.vgName(), j.name());
                live.add(group);
                copier.setRateLimit(group, effective.getOrDefault(j, ownRate(j)));
            }
        }
        for (PvMoveJob j : jobs) {
            String group = Activator.deviceName(j.vgName(), j.name());
            if (j.state().terminal() && !live.contains(group)) {
                copier.setRateLimit(group, 0);
            }
        }
    }

    /** Move {@code j}'s own limit, from the pvmove LV it last saw (the VG's is gone from the completion commit on). */
    private static long ownRate(PvMoveJob j) {
        return j.layout().move().rateLimit();
    }

    private PvMoveJob find(String vg, String name) {
        return jobs.stream().filter(j -> j.vgName().equals(vg) && j.name().equals(name) && !j.state().terminal())
                .findFirst().orElse(null);
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("PvMoveService is CLOSED; moves need it OPEN");
        }
    }

    /** Stops every job without changing the metadata (the moves resume at the next start) and waits for them. */
    @Override
    public void close() throws InterruptedException {
        List<Thread> all;
        synchronized (this) {
            closed = true;
            jobs.forEach(PvMoveJob::requestStop);
            all = List.copyOf(threads);
            if (prober != null) {
                prober.shutdownNow();
            }
        }
        for (Thread t : all) {
            t.join(TimeUnit.SECONDS.toMillis(60));
        }
    }
}
