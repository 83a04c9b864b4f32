package dev.ferry.daemon.operations;

import dev.ferry.daemon.activation.ActivationMode;
import dev.ferry.daemon.activation.Activator;
import dev.ferry.daemon.activation.ExportFactory;
import dev.ferry.daemon.activation.PvWrapper;
import dev.ferry.daemon.metadata.DeviceOpener;
import dev.ferry.daemon.export.ExportDirectory;
import dev.ferry.daemon.model.AllocationPolicy;
import dev.ferry.daemon.model.LogicalVolume;
import dev.ferry.daemon.model.LvCreateRequest;
import dev.ferry.daemon.model.LvResizeRequest;
import dev.ferry.daemon.model.MirrorLogType;
import dev.ferry.daemon.model.MirrorWriteConsistency;
import dev.ferry.daemon.model.PvInfo;
import dev.ferry.daemon.model.RequiredPvs;
import dev.ferry.daemon.model.VolumeException;
import dev.ferry.daemon.model.VolumeGroup;
import dev.ferry.daemon.model.VolumeManager;
import dev.ferry.daemon.model.report.Report;
import dev.ferry.daemon.model.report.ReportOptions;
import dev.ferry.daemon.model.report.Reporter;
import dev.ferry.daemon.remote.RemotePvs;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The volume operations as the control API calls them: each commits through the {@link VolumeManager}, then
 * brings the activation layer in step (lvcreate activates, a resize swaps the live table, lvrename renames device
 * and export, lvremove/vgremove deactivate). Refusals that depend on clients (LV_OPEN) come first, so a refused
 * call changes nothing. Reports and reads go to {@link #manager()} directly. Calls are serialised. The verbs that
 * change LVs ({@link LvVerbs}), the VGs' PVs and LVs ({@link VgVerbs}) and mirrors ({@link LiveConversions}) run
 * under this service's lock in classes of their own.
 */
public final class VolumeService implements VolumeOperations, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(VolumeService.class);
    private final VolumeManager manager;
    private final Activator activator;
    private final Reporter reporter;
    private final MirrorCopyRecorder copies;
    private final MissingPvs missing = new MissingPvs();
    private final LiveConversions conversions = new LiveConversions(this);
    private final LvVerbs lvs = new LvVerbs(this);
    private final VgVerbs vgs = new VgVerbs(this);
    private volatile LvNameWatcher names = LvNameWatcher.NONE;
    private volatile MirrorJobGuard jobs = MirrorJobGuard.NONE;

    private final RemotePvs remote;

    /** A service over opened {@code manager} and {@code activator}; {@link VolumeStartup} brings its volumes up. */
    VolumeService(VolumeManager manager, Activator activator, RemotePvs remote) {
        this.manager = manager;
        this.remote = remote;
        this.activator = activator;
        this.reporter = new Reporter(manager);
        this.copies = new MirrorCopyRecorder(manager, activator);
        activator.recordStaleCopiesTo(copies);
    }

    /**
     * Opens {@code dataDir} (recovering metadata) and activates every LV of every VG, publishing the exports in
     * {@code exports}; LVs that cannot be activated are logged and stay inactive.
     */
    public static VolumeService open(Path dataDir, ExportDirectory exports, ExportFactory exportFactory,
            Duration suspendTimeout) throws IOException {
        return open(dataDir, exports, exportFactory, suspendTimeout, PvWrapper.NONE);
    }

    /** As above, with tables seeing PV files through {@code wrapper} (fault injection). */
    public static VolumeService open(Path dataDir, ExportDirectory exports, ExportFactory exportFactory,
            Duration suspendTimeout, PvWrapper wrapper) throws IOException {
        return open(dataDir, exports, exportFactory, suspendTimeout, wrapper, DeviceOpener.files());
    }

    /**
     * As above, with PV metadata opened by {@code opener} (which may refuse a path: a known PV it refuses is then
     * missing).
     */
    public static VolumeService open(Path dataDir, ExportDirectory exports, ExportFactory exportFactory,
            Duration suspendTimeout, PvWrapper wrapper, DeviceOpener opener) throws IOException {
        return VolumeStartup.open(dataDir, exports, exportFactory, suspendTimeout, wrapper, opener);
    }

    /**
     * PV {@code pv} of VG {@code vgName} was lost while the daemon ran: it is recorded missing (the mirror copies on
     * it stale, a region log on it given up) by a quorum of the other PVs, and every active LV using it is reloaded:
     * mirrors stop using the lost copies, other LVs fail only the extents on it. Without a quorum the VG goes
     * offline (FORCEOFF): its LVs are deactivated and its operations refused.
     *
     * <p>{@code restoresSeen} is {@link VolumeManager#restores()} as read before the loss was found: if a PV was put
     * back into use since, the finding may be about that PV's old device and nothing is recorded (the PV watch looks
     * again on its next round).
     */
    public synchronized void pvLost(String vgName, UUID pv, String why, long restoresSeen) {
        if (manager.restores() != restoresSeen) {
            LOG.info("VG {}: a PV was restored while the loss of PV {} ({}) was being found; it is checked again",
                    vgName, pv, why);
            return;
        }
        MissingPvs.lose(manager, activator, requireVg(vgName), pv, why);
    }

    /** The manager, for reports and reads (its runtime is the {@link #activator()}). */
    public VolumeManager manager() {
        return manager;
    }

    /** Tells {@code watcher} of every lvrename, lvremove and vgremove from now on. */
    public void watchNames(LvNameWatcher watcher) {
        names = watcher;
    }

    /** The activation layer (devices, exports, runtime state). */
    public Activator activator() {
        return activator;
    }

    /**
     * Commits {@code change} to VG {@code vgName}, then runs {@code apply} with the committed VG to bring the
     * activation layer in step, serialised with every other volume operation (the way each verb here works, for
     * operations built on top such as pvmove). Returns the committed VG.
     *
     * @throws VolumeException what {@code change} throws (nothing committed), VG_NOT_FOUND, or a commit failure
     */
    public VolumeGroup change(String vgName, UnaryOperator<VolumeGroup> change, Consumer<VolumeGroup> apply) {
        return change(vgName, change, RequiredPvs.NONE, apply);
    }

    /**
     * As {@link #change(String, UnaryOperator, Consumer)}, the commit reaching the PVs of {@code required} before any
     * other ({@link RequiredPvs}); if one of them cannot take it, nothing is committed and {@code apply} does not run.
     *
     * @throws VolumeException PV_MISSED_COMMIT then, or what the other form throws
     */
    public synchronized VolumeGroup change(String vgName, UnaryOperator<VolumeGroup> change, RequiredPvs required,
            Consumer<VolumeGroup> apply) {
        List<JobHolds> held = new ArrayList<>();
        try {
            VolumeGroup vg = manager.updateVolumeGroup(vgName, g -> {
                VolumeGroup next = change.apply(g);
                held.add(JobHolds.of(jobs, g, JobHolds.newlyLocked(g, next), "pvmove"));
                return next;
            }, required);
            apply.accept(vg);
            return vg;
        } finally {
            held.forEach(JobHolds::close);
        }
    }

    /**
     * Holds {@code lvs} of VG {@code vgName} for {@code operation} against the mirror jobs ({@link MirrorJobGuard});
     * call under this service's lock and close the holds when the operation is done.
     *
     * @throws VolumeException VG_NOT_FOUND, or INRESYNC while a job runs on (or is recorded on) one of the LVs
     */
    synchronized JobHolds held(String vgName, Collection<String> lvs, String operation) {
        return JobHolds.of(jobs, requireVg(vgName), lvs, operation);
    }

    /**
     * Activates every LV not active yet; returns the failures (also logged). Passive mirrors are then marked unclean
     * until a clean stop.
     */
    public synchronized List<String> activateAll() {
        List<String> failures = activator.activateAll(manager.volumeGroups().stream()
                .filter(vg -> !manager.isOffline(vg.name())).toList());
        PassiveMirrors.markActive(manager, activator);
        return failures;
    }

    /**
     * lvchange -ay: activates one LV (no-op if active); with PVs missing only if {@code mode} allows it.
     *
     * @throws VolumeException LV_NOT_FOUND, or ACTIVATION_FAILED (naming why the mode refuses it)
     */
    @Override
    public synchronized void activate(String vgName, String lvName, ActivationMode mode) {
        lvs.activate(vgName, lvName, mode);
    }

    /**
     * lvchange -an: withdraws the export and removes the device (until the next activation or daemon start);
     * refused with LV_OPEN while clients are attached unless {@code force}.
     */
    @Override
    public synchronized void deactivate(String vgName, String lvName, boolean force) {
        lvs.deactivate(vgName, lvName, force);
    }

    /** pvcreate. */
    @Override
    public synchronized PvInfo pvcreate(String path, Long size, boolean force) {
        return manager.pvcreate(path, size, force);
    }

    /** pvremove. */
    @Override
    public synchronized void pvremove(String path) {
        manager.pvremove(path);
    }

    /** vgcreate. */
    @Override
    public synchronized VolumeGroup vgcreate(String name, List<String> pvPaths, Long extentSize) {
        return manager.vgcreate(name, pvPaths, extentSize);
    }

    /** vgextend. */
    @Override
    public synchronized VolumeGroup vgextend(String vgName, List<String> pvPaths) {
        return manager.vgextend(vgName, pvPaths);
    }

    /**
     * vgextend --restoremissing: puts missing PV {@code pvPath} of VG {@code vgName} back into use
     * ({@link VolumeManager#vgextendRestoreMissing}), then reloads the active LVs with extents on it: linear and
     * striped extents there serve from it again (a live table swap), mirrors take its copies back as stale and
     * resync them. A pvmove held by its loss stays held until a continue ({@code pvmove} without arguments).
     *
     * @throws VolumeException as the manager's, or INVALID_ARGUMENT while a table still holds the PV's old device
     *                         open (its loss not yet recorded, or a table loaded by hand names it)
     */
    @Override
    public synchronized VolumeGroup vgextendRestoreMissing(String vgName, String pvPath) {
        return vgs.restoreMissing(vgName, pvPath);
    }

    /** vgreduce: only PVs without extents leave, so no active LV uses them. */
    @Override
    public synchronized VolumeGroup vgreduce(String vgName, List<String> pvPaths) {
        return vgs.reduce(vgName, pvPaths);
    }

    /**
     * vgreduce --removemissing: drops the missing PVs from the metadata; with {@code force} mirrors lose their copies
     * there and LVs left without a copy of some extent are removed (their devices go, attached clients see EIO).
     */
    @Override
    public synchronized VolumeGroup vgreduceMissing(String vgName, boolean force) {
        return vgs.reduceMissing(vgName, force);
    }

    /** vgremove: refused while any LV is open (even forced, as LVM); with force its LVs are deactivated. */
    @Override
    public synchronized void vgremove(String vgName, boolean force) {
        vgs.remove(vgName, force);
    }

    /**
     * lvcreate, then activation; if the LV cannot be activated it is removed again and ACTIVATION_FAILED is
     * thrown, so nothing half-done stays.
     */
    @Override
    public synchronized LogicalVolume lvcreate(LvCreateRequest request) {
        return lvs.create(request);
    }

    /** lvextend, then the live table grows; clients see the size when they reconnect. */
    @Override
    public synchronized LogicalVolume lvextend(LvResizeRequest request) {
        return lvs.extend(request);
    }

    /** lvreduce: refused while open unless {@code force}. */
    @Override
    public synchronized LogicalVolume lvreduce(LvResizeRequest request, boolean force) {
        return lvs.reduce(request, force);
    }

    /** lvresize: a shrink of an open LV is refused unless {@code force}. */
    @Override
    public synchronized LogicalVolume lvresize(LvResizeRequest request, boolean force) {
        return lvs.resize(request, force);
    }

    /** lvrename: refused while open unless {@code force} (attached clients then keep their device). */
    @Override
    public synchronized LogicalVolume lvrename(String vgName, String oldName, String newName, boolean force) {
        return lvs.rename(vgName, oldName, newName, force);
    }

    /** lvremove: refused while open unless {@code force} (LV_OPEN); then the device and export go. */
    @Override
    public synchronized void lvremove(String vgName, String lvName, boolean force) {
        lvs.remove(vgName, lvName, force);
    }

    /**
     * Keeps {@code guard}'s mirror jobs and the operations that change an LV's copies, extents, name or existence off
     * each other from now on ({@link MirrorJobGuard}).
     */
    public void guardMirrorJobs(MirrorJobGuard guard) {
        jobs = guard;
    }

    /**
     * lvconvert -m: gives LV {@code lvName} {@code mirrors + 1} copies while it stays attached (see
     * {@link LiveConversions#copies}).
     */
    @Override
    public synchronized LogicalVolume lvconvert(String vgName, String lvName, int mirrors, MirrorWriteConsistency mwc,
                                                AllocationPolicy alloc, List<String> pvs) {
        return conversions.copies(vgName, lvName, mirrors, mwc, alloc, pvs);
    }

    /** lvconvert --repair: replaces {@code lvName}'s copies on missing PVs (see {@link LiveConversions#repair}). */
    @Override
    public synchronized LogicalVolume lvrepair(String vgName, String lvName, List<String> pvs) {
        return conversions.repair(vgName, lvName, pvs);
    }

    /** lvchange --maxrecoveryrate: limits a mirrored LV's resync copies (see {@link LiveConversions#recoveryRate}). */
    @Override
    public synchronized LogicalVolume lvchangeRecoveryRate(String vgName, String lvName, long bytesPerSecond) {
        return conversions.recoveryRate(vgName, lvName, bytesPerSecond);
    }

    /** lvconvert --mirrorlog: gives a mirrored LV another region log live (see {@link LiveConversions#mirrorLog}). */
    @Override
    public synchronized LogicalVolume lvconvertMirrorLog(String vgName, String lvName, MirrorLogType type,
                                                         AllocationPolicy alloc) {
        return conversions.mirrorLog(vgName, lvName, type, alloc);
    }

    /** lvchange --mwc: switches a mirrored LV's write consistency live (see {@link LiveConversions#consistency}). */
    @Override
    public synchronized LogicalVolume lvchangeMwc(String vgName, String lvName, MirrorWriteConsistency mwc) {
        return conversions.consistency(vgName, lvName, mwc);
    }

    @Override
    public Report pvs(ReportOptions options) {
        return reporter.pvs(options);
    }

    @Override
    public Report vgs(ReportOptions options) {
        return reporter.vgs(options);
    }

    @Override
    public Report lvs(ReportOptions options) {
        return reporter.lvs(options);
    }

    /**
     * Deactivates every LV (flushing), clears the unclean mark of the passive mirrors that were in sync, then closes
     * the metadata; waits at most {@code timeout}.
     */
    public synchronized void close(Duration timeout) throws IOException, TimeoutException, InterruptedException {
        missing.close();
        try {
            Map<String, Set<String>> inSync = PassiveMirrors.inSync(manager, activator);
            activator.close(timeout);
            PassiveMirrors.markClean(manager, inSync);
        } finally {
            copies.close();
            try {
                manager.close();
            } finally {
                remote.close();
            }
        }
    }

    @Override
    public void close() throws IOException, TimeoutException, InterruptedException {
        close(Duration.ofSeconds(30));
    }

    /** Starts checking the PV files of the VGs for PVs that go missing ({@link MissingPvs}). */
    void watchPvs() {
        missing.watch(this);
    }

    /** The VG named {@code name} (VG_NOT_FOUND if there is none). */
    VolumeGroup requireVg(String name) {
        return manager.requireVolumeGroup(name);
    }

    /** Who is told of lvrename, lvremove and vgremove ({@link #watchNames}). */
    LvNameWatcher names() {
        return names;
    }
}
