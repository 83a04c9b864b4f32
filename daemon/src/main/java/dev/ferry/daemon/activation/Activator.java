package dev.ferry.daemon.activation;

import dev.ferry.daemon.export.BlockDeviceExport;
import dev.ferry.daemon.export.ExportDirectory;
import dev.ferry.daemon.model.LogicalVolume;
import dev.ferry.daemon.model.LvFlag;
import dev.ferry.daemon.model.LvRuntime;
import dev.ferry.daemon.model.VolumeException;
import dev.ferry.daemon.model.VolumeGroup;
import dev.ferry.daemon.remote.RemoteOpener;
import dev.ferry.mapper.copy.Copier;
import dev.ferry.mapper.device.DeviceState;
import dev.ferry.mapper.device.DeviceRegistry;
import dev.ferry.mapper.device.MappedDevice;
import dev.ferry.mapper.device.SuspendMode;
import dev.ferry.mapper.mirror.MirrorTarget;
import dev.ferry.mapper.targets.Target;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps LVs active: each active LV is a mapped device named {@code VG-LV} (LVM's name mangling, hyphens
 * doubled) over the shared PV files, served as the NBD export {@code VG/LV} in the {@link ExportDirectory}.
 * An LV is open while NBD clients are attached to its export or another mapped device stacks on it; open LVs
 * are not deactivated, renamed or shrunk unless forced. Reports read its state through {@link LvRuntime}.
 *
 * <p>A renamed LV that is open (forced) keeps serving its attached clients: its old device is re-pointed, through
 * a suspend/load/resume, at the device of the new name and removed once its last client detaches.
 */
public final class Activator implements LvRuntime, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Activator.class);

    private final MapperStack mapper;
    private final ExportDirectory exports;
    private final ExportFactory exportFactory;
    private final Duration suspendTimeout;
    /** Changed under the lock; read without it by {@link #device} (mirror events must not wait for a reload). */
    private final Map<String, ActiveLv> active = new ConcurrentSkipListMap<>();
    private final RenamedDevices renamedDevices;
    private boolean closed;
    private Function<String, VolumeGroup> latest;
    /** Bytes resynced by mirror targets of each LV ({@code VG/LV}) that are no longer live. */
    private final ResyncTotals resync = new ResyncTotals();
    private MirrorWatch watch = MirrorWatch.NONE;

    /**
     * Creates an activator publishing into {@code exports}; {@code suspendTimeout} bounds each table swap.
     */
    public Activator(ExportDirectory exports, ExportFactory exportFactory, Duration suspendTimeout) {
        this(exports, exportFactory, suspendTimeout, PvWrapper.NONE);
    }

    /** As above, with tables seeing PV files through {@code wrapper} (fault injection). */
    public Activator(ExportDirectory exports, ExportFactory exportFactory, Duration suspendTimeout,
                     PvWrapper wrapper) {
        this(exports, exportFactory, suspendTimeout, wrapper, RemoteOpener.NONE);
    }

    /** As above, with remote PVs' data devices opened by {@code remote}. */
    public Activator(ExportDirectory exports, ExportFactory exportFactory, Duration suspendTimeout,
                     PvWrapper wrapper, RemoteOpener remote) {
        this.mapper = new MapperStack(suspendTimeout, wrapper, remote);
        this.exports = exports;
        this.exportFactory = exportFactory;
        this.suspendTimeout = suspendTimeout;
        this.renamedDevices = new RenamedDevices(mapper, suspendTimeout);
    }

    /** The mapped device name of an LV: {@code VG-LV} with hyphens inside the names doubled, as LVM does. */
    public static String deviceName(String vg, String lv) {
        return vg.replace("-", "--") + "-" + lv.replace("-", "--");
    }

    /** The NBD export name of an LV: {@code VG/LV}. */
    public static String exportName(String vg, String lv) {
        return vg + "/" + lv;
    }

    /** The registry of mapped devices (LVs' devices, and any created by hand). */
    public DeviceRegistry registry() {
        return mapper.registry();
    }

    /** PV paths with an open data file (shared by the tables that name them). */
    public List<String> openPvs() {
        return mapper.pvs().openPaths();
    }

    /**
     * Why the PV at {@code path} fails persistently, or empty (also when no table uses it): its data reads or its data
     * writes have failed with no success of the same direction for at least a second and a probe read of its label
     * fails too (see daemon/docs/mirrors.md).
     * May block up to a second while probing.
     */
    public Optional<String> persistentFailure(String path) {
        return mapper.pvs().persistentFailure(path);
    }

    /** The catalog the NBD server serves. */
    public ExportDirectory exports() {
        return exports;
    }

    /**
     * The active LV's mapped device, if it is active; lock-free, so the recorder of stale copies can read a mirror
     * while a reload holding the lock waits for that recorder under suspend.
     */
    public Optional<MappedDevice> device(String vg, String lv) {
        return Optional.ofNullable(active.get(exportName(vg, lv))).map(ActiveLv::device);
    }

    /**
     * Activates every LV of {@code vgs} that is not active yet, hidden ones included; failures are logged and
     * returned as messages (the daemon still starts).
     */
    public synchronized List<String> activateAll(Collection<VolumeGroup> vgs) {
        List<String> failures = new ArrayList<>();
        for (VolumeGroup vg : vgs) {
            List<LogicalVolume> ordered = new ArrayList<>(vg.lvs());
            ordered.sort(Comparator.comparingInt(l -> -AuxDevices.tier(vg, l)));
            for (LogicalVolume lv : ordered) {
                if (active.containsKey(exportName(vg.name(), lv.name()))) {
                    continue;
                }
                Optional<String> refused = ActivationMode.DEGRADED.refusal(vg, lv);
                if (refused.isPresent()) {
                    LOG.error("{}", refused.get());
                    failures.add(refused.get());
                    continue;
                }
                try {
                    activate(vg, lv);
                } catch (VolumeException e) {
                    LOG.error("{}", e.getMessage());
                    failures.add(e.getMessage());
                }
            }
        }
        return failures;
    }

    /**
     * Activates {@code lv}: builds its table over the PV files, creates the device and publishes the export, unless
     * the LV is hidden (a pvmove LV, its region log, mirror images and logs): no client may write into those.
     *
     * @throws VolumeException ACTIVATION_FAILED with nothing left behind
     */
    public synchronized void activate(VolumeGroup vg, LogicalVolume lv) {
        ensureOpen();
        String key = exportName(vg.name(), lv.name());
        if (active.containsKey(key)) {
            throw new IllegalStateException("LV " + key + " is already active");
        }
        if (lv.mirrored() && lv.mirror().logLv() != null && !isActive(vg.name(), lv.mirror().logLv())) {
            activate(vg, vg.requireLv(lv.mirror().logLv()));
        }
        Set<String> paths = LvTables.pvPaths(vg, lv);
        String table = table(vg, lv);
        acquire(key, paths);
        String devName = deviceName(vg.name(), lv.name());
        MappedDevice device;
        Set<String> aux = Set.of();
        try {
            registerMirror(vg, lv);
            aux = aux().create(vg, lv, suspendTimeout);
            limitRecovery(vg, lv);
            device = mapper.registry().create(devName, table);
        } catch (RuntimeException e) {
            aux().remove(aux, Set.of());
            mapper.pvs().release(paths);
            throw ActivationErrors.failed(key, "device " + devName + ": " + e.getMessage(), e);
        }
        BlockDeviceExport export = exportFactory.create(key, device, this::idle);
        try {
            if (!lv.hidden()) {
                exports.publish(export);
            }
        } catch (RuntimeException e) {
            mapper.registry().remove(devName, true).thenCompose(v -> mapper.pvs().release(paths));
            throw ActivationErrors.failed(key, e.getMessage(), e);
        }
        active.put(key, new ActiveLv(vg.name(), lv.name(), device, export, paths, aux, AuxDevices.tier(vg, lv),
                lv.mirrored(), lv.mirrored() ? lv.mirror().logLv() : null));
        if (lv.mirrored()) {
            watch.activated(vg.name(), lv.name());
        }
        LOG.info("activated {} as device {} ({} bytes)", key, devName, device.size());
    }

    /**
     * Swaps the active LV's table for its current layout (after a resize): loads the new table, suspends
     * (flushing in-flight I/O, new I/O waits), swaps and resumes. Clients see the new size when they next
     * negotiate. Does nothing for an inactive LV.
     */
    public synchronized void reload(VolumeGroup vg, LogicalVolume lv) {
        ensureOpen();
        String key = exportName(vg.name(), lv.name());
        ActiveLv a = active.get(key);
        if (a == null) {
            return;
        }
        if (lv.mirrored()) {
            reloadMirror(a, vg, lv.name());
            return;
        }
        Set<String> paths = LvTables.pvPaths(vg, lv);
        String table = table(vg, lv);
        acquire(key, paths);
        Set<String> aux = Set.of();
        boolean suspended = a.device().state() == DeviceState.SUSPENDED;
        try {
            aux = aux().create(vg, lv, suspendTimeout);
            mapper.registry().load(a.device().name(), table);
            LiveSwap.swap(a.device(), suspendTimeout);
        } catch (RuntimeException e) {
            a.device().clear();
            aux().remove(aux, a.aux());
            mapper.pvs().release(paths);
            throw ActivationErrors.failed(key, "reload: " + e.getMessage(), e);
        }
        mapper.pvs().release(a.paths());
        aux().remove(a.aux(), aux);
        active.put(key, a.withPaths(paths, aux));
        if (suspended) {
            LOG.info("reloaded {}: {} bytes, under suspend", key, a.device().size());
        } else {
            LOG.info("reloaded {}: {} bytes, live (no I/O held; the old table drained in {} ms)", key,
                    a.device().size(),
                    String.format(Locale.ROOT, "%.3f", a.device().stats().lastReplaceDrainNanos() / 1e6));
        }
    }

    /**
     * Swaps the active LV's table as {@link #reload} does, but under a flushing suspend: requests in flight end and
     * the old table's mirrors persist their region logs before the new table is loaded (and reads those logs), so a
     * mirror segment that both tables keep over one disk log loses no mark made by the old table's writes. New requests
     * wait until the new table is live (a log flush and a table load). Does nothing for an inactive LV.
     */
    public synchronized void reloadQuiesced(VolumeGroup vg, LogicalVolume lv) {
        ensureOpen();
        ActiveLv a = active.get(exportName(vg.name(), lv.name()));
        if (a == null) {
            return;
        }
        ActivationErrors.await(suspendTimeout, a.device().suspend(SuspendMode.FLUSH, suspendTimeout),
                "suspend of " + a.device().name());
        try {
            reload(vg, lv);   // loads the new table under the suspend; its swap is the resume
        } finally {
            if (a.device().state() == DeviceState.SUSPENDED) {
                ActivationErrors.await(suspendTimeout, a.device().resume(), "resume of " + a.device().name());
            }
        }
    }

    /**
     * Reloads a mirrored LV under a flushing suspend: once the suspend has waited for every write in flight (and so
     * for the stale marks their failures committed), the table is built from the latest committed VG, loaded and
     * swapped in at resume. A mirror without a persistent log starts the new table in sync only if the old one was.
     */
    private void reloadMirror(ActiveLv a, VolumeGroup given, String lvName) {
        String vgName = given.name();
        String key = exportName(vgName, lvName);
        boolean wasInSync = MirrorStatus.copyPercent(a.device().status()).orElse(100) >= 100;
        Optional<MirrorTarget> old = mirrorOf(vgName, lvName);
        ActivationErrors.await(suspendTimeout, a.device().suspend(SuspendMode.FLUSH, suspendTimeout),
                "suspend of " + a.device().name());
        Set<String> paths = Set.of();
        Set<String> aux = Set.of();
        String log;
        try {
            VolumeGroup vg = latest == null ? given : latest.apply(vgName);
            LogicalVolume lv = vg.requireLv(lvName);
            log = lv.mirror().logLv();
            if (log != null && !isActive(vgName, log)) {
                activate(vg, vg.requireLv(log));
            }
            Set<String> wanted = LvTables.pvPaths(vg, lv);
            String table = table(vg, lv, wasInSync);
            acquire(key, wanted);   // releases what it took if it fails
            paths = wanted;
            registerMirror(vg, lv);
            aux = aux().create(vg, lv, suspendTimeout);
            limitRecovery(vg, lv);
            mapper.registry().load(a.device().name(), table);
        } catch (RuntimeException e) {
            a.device().clear();
            aux().remove(aux, a.aux());
            mapper.pvs().release(paths);
            ActivationErrors.await(suspendTimeout, a.device().resume(), "resume of " + a.device().name());
            throw e instanceof VolumeException ? e : ActivationErrors.failed(key, "reload: " + e.getMessage(), e);
        }
        resync.swapped(key, () -> ActivationErrors.await(suspendTimeout, a.device().resume(),
                "resume of " + a.device().name()), old);
        mapper.pvs().release(a.paths());
        aux().remove(a.aux(), aux);
        active.put(key, new ActiveLv(a.vg(), a.lv(), a.device(), a.export(), paths, aux, a.tier(), true, log));
        LOG.info("reloaded mirrored {} under suspend: {}", key, a.device().table().strip());
    }

    /** Sets the copier limit of mirrored LV {@code lv}'s resync copies to its recovery rate (0: none). */
    public void limitRecovery(VolumeGroup vg, LogicalVolume lv) {
        if (lv.mirrored()) {
            mapper.copier().setRateLimit(MirrorTables.throttleGroup(vg, lv), lv.mirror().recoveryRate());
        }
    }

    /** Makes the mirror of mirrored LV {@code lv} known to {@link MirrorEvents} before its table exists. */
    private void registerMirror(VolumeGroup vg, LogicalVolume lv) {
        if (lv.mirrored()) {
            mapper.mirrorEvents().register(MirrorTables.imageDevice(vg, lv, 0),
                    new MirrorEvents.Owner(vg.name(), lv.name(), vg.extentSize(), lv.extentCount()));
        }
    }

    /**
     * Bytes written onto the legs of mirrored LV {@code vg/lv} by resync copies since this activator started,
     * summed over every mirror target its tables have had (reloads and reactivations keep counting). Takes no lock
     * of the activator's, so a scrape waits at most for the resume of a table swap.
     */
    public long mirrorResyncedBytes(String vg, String lv) {
        return resync.total(exportName(vg, lv),
                () -> mapper.registry().lookup(deviceName(vg, lv)).flatMap(Activator::mirrorTarget));
    }

    /** Tells {@code w} of every mirrored LV active now and of those activated or deactivated from now on. */
    public synchronized void watchMirrors(MirrorWatch w) {
        this.watch = w;
        active.values().stream().filter(ActiveLv::mirrored).forEach(a -> w.activated(a.vg(), a.lv()));
    }

    /**
     * Paths in tables loaded by hand ({@code dmsetup create}, {@code load}) must pass {@code check} from now on; it
     * returns the path to open (links resolved) or throws an {@link IllegalArgumentException} naming the refusal.
     */
    public void restrictHandLoadedPaths(Function<String, Path> check) {
        mapper.pvs().restrictHandLoaded(check);
    }

    /** Sends the stale marks and resync progress of mirrored LVs to {@code copies}. */
    public void recordStaleCopiesTo(StaleCopies copies) {
        mapper.mirrorEvents().recordTo(copies);
    }

    /**
     * Reads the latest committed VG by name from {@code source} when a mirrored LV is reloaded (stale marks may
     * have been committed since the caller's copy); without it the caller's VG is used.
     */
    public synchronized void readLatestFrom(Function<String, VolumeGroup> source) {
        this.latest = source;
    }

    /**
     * Moves the active LV {@code oldName} of {@code vg} to the name of {@code renamed}: a new device and export
     * under the new name. Refused while open unless {@code force}; with it, attached clients keep working
     * through the old device, now stacked on the new one, which goes away when they have all detached.
     */
    public synchronized void rename(VolumeGroup vg, String oldName, LogicalVolume renamed, boolean force) {
        ensureOpen();
        ActiveLv a = active.get(exportName(vg.name(), oldName));
        if (a == null) {
            return;
        }
        boolean open = a.open();
        if (open && !force) {
            throw ActivationErrors.inUse(vg.name(), oldName);
        }
        if (!open) {
            deactivate(vg.name(), oldName, true);
            activate(vg, renamed);
            return;
        }
        ActivationErrors.await(suspendTimeout, a.device().suspend(SuspendMode.FLUSH, suspendTimeout),
                "suspend of " + a.device().name());
        try {
            activate(vg, renamed);
        } catch (RuntimeException e) {
            ActivationErrors.await(suspendTimeout, a.device().resume(), "resume of " + a.device().name());
            throw e;
        }
        active.remove(exportName(vg.name(), oldName));
        if (a.mirrored()) {
            watch.deactivated(vg.name(), oldName);
        }
        exports.withdraw(a.export());
        renamedDevices.repoint(a, active.get(exportName(vg.name(), renamed.name())), vg.name(), oldName,
                renamed.name());
    }

    /**
     * Withdraws the LV's export and removes its device; refused while open unless {@code force}. The future
     * completes once the device's in-flight I/O is done and unused PV files are closed.
     */
    public synchronized CompletableFuture<Void> deactivate(String vg, String lv, boolean force) {
        ActiveLv a = active.get(exportName(vg, lv));
        if (a == null) {
            return CompletableFuture.completedFuture(null);
        }
        if (!force && a.open()) {
            throw ActivationErrors.inUse(vg, lv);
        }
        active.remove(exportName(vg, lv));
        if (a.mirrored()) {
            watch.deactivated(vg, lv);
        }
        Optional<MirrorTarget> mirror = mirrorTarget(a.device());
        exports.withdraw(a.export());
        LOG.info("deactivating {}/{}", vg, lv);
        CompletableFuture<Void> gone = mapper.registry().remove(a.device().name(), true)
                .thenRun(() -> mirror.ifPresent(m -> resync.retire(exportName(vg, lv), m)))
                .thenCompose(v -> aux().remove(a.aux(), Set.of())).thenCompose(v -> mapper.pvs().release(a.paths()));
        String log = a.mirrorLog();
        return log == null ? gone : gone.thenCompose(v -> deactivateLater(vg, log));
    }

    private CompletableFuture<Void> deactivateLater(String vg, String lv) {
        synchronized (this) {
            return deactivate(vg, lv, true);
        }
    }

    /**
     * The recovery of mirrored segment {@code segment} of the active LV {@code vg/lv}, as its live table has it.
     *
     * @throws IllegalStateException if the LV is not active or that segment is not a mirror
     */
    public synchronized SegmentRecovery recovery(String vg, String lv, int segment) {
        MirrorTarget m = mirrorSegment(vg, lv, segment);
        return new SegmentRecovery(m.regionsInSync(), m.regionCount(), m.legHealth().chars().allMatch(c -> c == 'A'),
                m.resyncedBytes(), m.size(), m.recoveryFinished());
    }

    /**
     * The mirror target of segment {@code segment} of the active LV {@code vg/lv}, as its live table has it.
     *
     * @throws IllegalStateException if the LV is not active or that segment is not a mirror
     */
    public synchronized MirrorTarget mirrorSegment(String vg, String lv, int segment) {
        List<Target> targets = device(vg, lv).orElseThrow(() -> new IllegalStateException("LV " + exportName(vg, lv)
                + " is not active")).targets();
        if (segment >= targets.size() || !(targets.get(segment) instanceof MirrorTarget m)) {
            throw new IllegalStateException("segment " + segment + " of " + exportName(vg, lv) + " is not mirrored");
        }
        return m;
    }

    /** The copier mirrors (and pvmoves) recover through; its rate limit is shared by all of them. */
    public Copier copier() {
        return mapper.copier();
    }

    /** Throws LV_OPEN if the LV is open. */
    public synchronized void requireClosed(String vg, String lv) {
        if (isOpen(vg, lv)) {
            throw ActivationErrors.inUse(vg, lv);
        }
    }

    @Override
    public synchronized boolean isActive(String vg, String lv) {
        return active.containsKey(exportName(vg, lv));
    }

    @Override
    public synchronized boolean isOpen(String vg, String lv) {
        ActiveLv a = active.get(exportName(vg, lv));
        return a != null && a.open();
    }

    @Override
    public OptionalDouble copyPercent(String vg, String lv) {
        return device(vg, lv).map(d -> MirrorStatus.copyPercent(d.status())).orElse(OptionalDouble.empty());
    }

    @Override
    public String legHealth(String vg, String lv) {
        return mirrorOf(vg, lv).map(MirrorTarget::legHealth).orElse("");
    }

    /** The mirror target of active mirrored LV {@code vg/lv}'s live table, if it has one. */
    public Optional<MirrorTarget> mirrorOf(String vg, String lv) {
        return device(vg, lv).flatMap(Activator::mirrorTarget);
    }

    private static Optional<MirrorTarget> mirrorTarget(MappedDevice d) {
        return d.targets().stream().filter(MirrorTarget.class::isInstance).map(MirrorTarget.class::cast).findFirst();
    }

    /**
     * Graceful stop: withdraws every export, flushes and removes every device (those created by hand, which may
     * stack on LVs, first), closes the PV files and stops the I/O pool, waiting at most {@code timeout}.
     * Idempotent.
     */
    public void close(Duration timeout) throws TimeoutException, InterruptedException {
        List<ActiveLv> all;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            all = new ArrayList<>(active.values());
            active.clear();
            renamedDevices.clear();
        }
        all.forEach(a -> exports.withdraw(a.export()));
        CompletableFuture<Void> done = aux().removeAtStop(all);
        try {
            done.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            LOG.error("deactivation at stop failed", e.getCause());
        } finally {
            mapper.close();
        }
    }

    @Override
    public void close() throws TimeoutException, InterruptedException {
        close(suspendTimeout);
    }

    /** The last client left {@code export} (see {@link RenamedDevices#idle}). */
    private synchronized void idle(BlockDeviceExport export) {
        renamedDevices.idle(export);
    }

    private String table(VolumeGroup vg, LogicalVolume lv) {
        return table(vg, lv, !lv.has(LvFlag.UNCLEAN));
    }

    private String table(VolumeGroup vg, LogicalVolume lv, boolean coreInSync) {
        try {
            return LvTables.table(vg, lv, coreInSync);
        } catch (IllegalArgumentException e) {
            throw ActivationErrors.failed(exportName(vg.name(), lv.name()), e.getMessage(), e);
        }
    }

    private void acquire(String key, Set<String> paths) {
        try {
            mapper.pvs().acquire(paths);
        } catch (IOException e) {
            throw ActivationErrors.failed(key, "cannot open PV: " + e.getMessage(), e);
        }
    }

    private AuxDevices aux() {
        return new AuxDevices(mapper);
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("Activator is CLOSED; activation needs it OPEN");
        }
    }
}
