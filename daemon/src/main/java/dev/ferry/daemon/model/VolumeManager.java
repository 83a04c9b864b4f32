package dev.ferry.daemon.model;

import dev.ferry.daemon.metadata.DeviceOpener;
import dev.ferry.daemon.metadata.PvDisk;
import dev.ferry.daemon.metadata.PvLabel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.HashMap;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * The LVM-style operations on one data directory's PVs, VGs and LVs. Every mutation validates first (a refusal
 * throws {@link VolumeException} and writes nothing), then commits the new VG document to every PV before it
 * returns. Methods are serialised; one method per CLI command so a REST or CLI layer maps onto it 1:1. The commands
 * run, under the manager's monitor, in {@link PvMembership} (pv*, vgcreate, vgextend, vgreduce, vgremove),
 * {@link LvCommands} (lv*) and {@link MissingMembers} (missing PVs); every commit goes through {@link VgCommits}.
 */
public final class VolumeManager implements AutoCloseable {
    /** Smallest device pvcreate accepts: the 1 MiB label/metadata area plus 1 MiB of data. */
    public static final long MIN_PV_SIZE = PvLabel.DEFAULT_PE_START + 1024 * 1024;
    /** vgcreate's default extent size, 4 MiB as LVM. */
    public static final long DEFAULT_EXTENT_SIZE = 4L * 1024 * 1024;

    private final MetadataCatalog catalog;
    private final LvRuntime runtime;
    private final VgCommits commits;
    private final PvMembership members;
    private final LvCommands lvs = new LvCommands(this);
    private final MissingMembers missing;
    private final Map<String, String> offline = new HashMap<>();
    private volatile RemoteHealth.Source health = RemoteHealth.Source.NONE;
    private boolean closed;

    private VolumeManager(MetadataCatalog catalog, DeviceOpener opener, LvRuntime runtime) {
        this.catalog = catalog;
        this.runtime = runtime;
        this.commits = new VgCommits(catalog, this::takeSnapshot);
        this.members = new PvMembership(this, catalog, opener, commits);
        this.missing = new MissingMembers(this, catalog, opener);
    }

    /** Opens {@code dataDir} with file devices and no activation layer. */
    public static VolumeManager open(Path dataDir) throws IOException {
        return open(dataDir, DeviceOpener.files(), LvRuntime.NONE);
    }

    /** Opens {@code dataDir}: scans known PVs, recovers the newest VG metadata and repairs stale copies. */
    public static VolumeManager open(Path dataDir, DeviceOpener opener, LvRuntime runtime) throws IOException {
        MetadataCatalog catalog = new MetadataCatalog(KnownPvs.load(dataDir), opener);
        catalog.scan();
        return new VolumeManager(catalog, opener, runtime);
    }

    // ---------------------------------------------------------------- PVs

    /**
     * pvcreate: labels {@code path} as an orphan PV. A missing file is created sparse with {@code size} bytes;
     * a given size larger than an existing file grows it. A labelled device is refused unless {@code force};
     * a VG member is always refused.
     */
    public synchronized PvInfo pvcreate(String path, Long size, boolean force) {
        ensureOpen();
        return info(members.label(path, size, force));
    }

    /** pvremove: wipes the label and metadata of an orphan PV and forgets it (a missing orphan is just forgotten). */
    public synchronized void pvremove(String path) {
        ensureOpen();
        members.unlabel(path);
    }

    /**
     * A consistent view of all PVs, VGs and which PVs are present, taken under the manager's lock; while a commit
     * writes metadata (which may wait for a remote PV's request timeout and reconnect window), the view taken just
     * before that commit, with each remote PV's health as its link reports it now, so that reports never wait for a
     * commit and show a link that is reconnecting as such.
     */
    public VolumeSnapshot snapshot() {
        VolumeSnapshot before = commits.beforeCommit();
        if (before != null) {
            return before.withPvs(before.pvs().stream().map(this::withLiveHealth).toList());
        }
        return takeSnapshot();
    }

    private synchronized VolumeSnapshot takeSnapshot() {
        ensureOpen();
        return new VolumeSnapshot(physicalVolumes(), volumeGroups(), presentPvs());
    }

    /** {@code pv} with the health its link reports now, if its link is known (without the lock). */
    private PvInfo withLiveHealth(PvInfo pv) {
        if (!PvUri.isUri(pv.path())) {
            return pv;
        }
        return health.health(pv.path()).map(h -> new PvInfo(pv.path(), pv.uuid(), pv.deviceSize(), pv.peStart(),
                pv.vgName(), pv.missing(), h.toString())).orElse(pv);
    }

    /** All known PVs, present or missing, in VG order then orphans. */
    public synchronized List<PvInfo> physicalVolumes() {
        ensureOpen();
        List<PvInfo> out = new ArrayList<>();
        Set<UUID> listed = new HashSet<>();
        for (VolumeGroup vg : catalog.vgs().values()) {
            for (PhysicalVolume pv : vg.pvs()) {
                boolean missing = pv.missing() || catalog.isLost(pv.uuid()) || catalog.diskByUuid(pv.uuid()).isEmpty();
                out.add(new PvInfo(pv.name(), pv.uuid(), pv.deviceSize(), pv.peStart(), vg.name(), missing,
                        health(pv.name())));
                listed.add(pv.uuid());
            }
        }
        catalog.disks().stream().filter(d -> !listed.contains(d.uuid())).forEach(d -> out.add(info(d)));
        return out;
    }

    private PvInfo info(PvDisk d) {
        return new PvInfo(d.name(), d.uuid(), d.label().deviceSize(), d.label().peStart(),
                catalog.vgOf(d.uuid()).map(VolumeGroup::name).orElse(null), false, health(d.name()));
    }

    /**
     * A remote PV's health for reports: what the catalog refused it for at the last scan (failed), else what
     * {@link #healthFrom the health source} says, else empty (a local PV, or a remote one never connected to).
     */
    public synchronized Optional<RemoteHealth> remoteHealth(String name) {
        if (!PvUri.isUri(name)) {
            return Optional.empty();
        }
        String refused = catalog.refused().get(name);
        if (refused != null) {
            return Optional.of(new RemoteHealth(RemoteHealth.State.FAILED, refused));
        }
        return health.health(name);
    }

    /** Tells {@code seen} of every remote PV the health source knows, now and from now on (for metrics). */
    public void watchRemotePvs(java.util.function.Consumer<String> seen) {
        health.watch(seen);
    }

    /** Where remote PVs' connection health comes from from now on. */
    public void healthFrom(RemoteHealth.Source source) {
        health = source;
    }

    private String health(String name) {
        return remoteHealth(name).map(RemoteHealth::toString).orElse("");
    }

    // ---------------------------------------------------------------- VGs

    /** vgcreate: a new VG over orphan PVs with {@code extentSize} bytes per extent (null: 4 MiB). */
    public synchronized VolumeGroup vgcreate(String name, List<String> pvPaths, Long extentSize) {
        ensureOpen();
        return members.create(name, pvPaths, extentSize);
    }

    /** vgextend: adds orphan PVs to {@code vgName}. */
    public synchronized VolumeGroup vgextend(String vgName, List<String> pvPaths) {
        ensureOpen();
        return members.extend(vgName, pvPaths);
    }

    /**
     * vgextend --restoremissing: puts PV {@code pvPath} of {@code vgName}, recorded missing (lost while the daemon
     * ran, or absent at its start), back into use once it is back, without touching its data. It is opened afresh
     * and must be the PV the VG lost ({@link ReturningPv}: same PV UUID, not shrunk, no newer metadata); then the VG's
     * newest document, the PV's missing flag cleared, is committed to every PV including it. Mirror copies on it stay
     * stale until resynced; the caller reloads the LVs on it. {@code check} runs once the PV is known to be a missing
     * member, before it is opened, and may refuse it by throwing. The PV is opened (which may wait for a connection up
     * to its connect timeout) without holding this manager's lock, so reports are not held up meanwhile; a remote PV
     * refused shows the refusal as its health.
     *
     * @throws VolumeException VG_NOT_FOUND, PV_NOT_FOUND (not a member), INVALID_ARGUMENT (not missing, or not the
     *                         same PV), IO_ERROR (cannot be opened or read, or its metadata write failed: it stays
     *                         missing); on any of them the VG's metadata is as before (but for the last, which flags
     *                         the PV missing again)
     */
    public VolumeGroup vgextendRestoreMissing(String vgName, String pvPath, Consumer<PhysicalVolume> check) {
        return missing.restore(vgName, KnownPvs.canonical(pvPath), check);
    }

    /**
     * vgreduce --removemissing: drops the missing PVs from VG {@code vgName}. Refused while an LV still has extents
     * on them, naming the LVs: a mirror can be repaired first ({@code lvconvert --repair}); with {@code force}
     * mirrors lose their copies on the missing PVs (keeping the good ones) and LVs left without a copy of some
     * extent are removed, as LVM does.
     *
     * @throws VolumeException INVALID_ARGUMENT if no PV is missing or an LV is in the way without force
     */
    public synchronized VolumeGroup vgreduceMissing(String vgName, boolean force) {
        ensureOpen();
        return missing.reduce(vgName, force);
    }

    /** vgreduce: removes PVs that hold no extents from {@code vgName}; they become orphans. */
    public synchronized VolumeGroup vgreduce(String vgName, List<String> pvPaths) {
        ensureOpen();
        return members.reduce(vgName, pvPaths);
    }

    /** vgremove: removes {@code vgName}; LVs are removed too only with {@code force}; open LVs always refuse. */
    public synchronized void vgremove(String vgName, boolean force) {
        ensureOpen();
        members.remove(vgName, force);
    }

    /** All VGs by name. */
    public synchronized List<VolumeGroup> volumeGroups() {
        ensureOpen();
        return List.copyOf(catalog.vgs().values());
    }

    /**
     * The VG named {@code name}.
     *
     * @throws VolumeException VG_NOT_FOUND if there is none
     */
    public synchronized VolumeGroup requireVolumeGroup(String name) {
        ensureOpen();
        return requireVg(name);
    }

    /** The VG named {@code name}, if any. */
    public synchronized Optional<VolumeGroup> volumeGroup(String name) {
        ensureOpen();
        return Optional.ofNullable(catalog.vgs().get(name));
    }

    /**
     * How many missing PVs {@code vgextend --restoremissing} has put back into use since the manager opened: a finding
     * that a PV is lost, made before the count changed, may be about a PV restored since.
     */
    public synchronized long restores() {
        ensureOpen();
        return catalog.restores();
    }

    /** UUIDs of PVs whose device is present (the others are missing). */
    public synchronized Set<UUID> presentPvs() {
        ensureOpen();
        return catalog.disks().stream().map(PvDisk::uuid).filter(u -> !catalog.isLost(u))
                .collect(Collectors.toSet());
    }

    /**
     * Records that PV {@code pv} of VG {@code vgName} is missing: no metadata is written to it any more, and the
     * VG is committed (by a quorum of the other PVs) with the PV flagged missing and every mirror copy on it stale.
     *
     * @throws VolumeException FORCEOFF if the other PVs are no quorum (the caller takes the VG offline)
     */
    public synchronized VolumeGroup markMissing(String vgName, UUID pv, String why) {
        ensureOpen();
        return missing.mark(vgName, pv, why);
    }

    /** {@code vg} with its absent or lost PVs flagged missing and the mirror copies on them stale. */
    public synchronized VolumeGroup withMissingFlagged(VolumeGroup vg) {
        return missing.flagged(vg);
    }

    /**
     * The PVs of {@code vg} that are gone but not yet flagged missing, with why: the path no longer leads to the
     * file that was opened (see {@link PvDisk#stillAtPath}), a metadata write to it failed, or a remote PV's
     * connection failed.
     */
    public synchronized Map<UUID, String> vanishedPvs(VolumeGroup vg) {
        ensureOpen();
        return missing.vanished(vg, health);
    }

    /**
     * Commits an arbitrary change of {@code vgName} computed by {@code change} (for jobs such as pvmove that
     * rewrite segments); the result is validated and committed with the next seqno. A change that returns the VG
     * unchanged commits nothing.
     */
    public VolumeGroup updateVolumeGroup(String vgName, UnaryOperator<VolumeGroup> change) {
        return updateVolumeGroup(vgName, change, RequiredPvs.NONE);
    }

    /**
     * As {@link #updateVolumeGroup(String, UnaryOperator)}, writing and syncing the PVs of {@code required} before
     * any other (see {@link RequiredPvs}).
     *
     * @throws VolumeException PV_MISSED_COMMIT if one of them cannot take the commit: it is not committed
     */
    public synchronized VolumeGroup updateVolumeGroup(String vgName, UnaryOperator<VolumeGroup> change,
            RequiredPvs required) {
        ensureOpen();
        VolumeGroup vg = requireVg(vgName);
        VolumeGroup proposed = change.apply(vg);
        return proposed.equals(vg) ? vg : commits.change(vg, proposed, required);
    }

    // ---------------------------------------------------------------- LVs

    /** lvcreate. */
    public synchronized LogicalVolume lvcreate(LvCreateRequest request) {
        ensureOpen();
        return lvs.create(request);
    }

    /** lvextend: grows only. */
    public synchronized LogicalVolume lvextend(LvResizeRequest request) {
        ensureOpen();
        return lvs.resize(request, LvPlanner.ResizeMode.EXTEND);
    }

    /** lvreduce: shrinks only. */
    public synchronized LogicalVolume lvreduce(LvResizeRequest request) {
        ensureOpen();
        return lvs.resize(request, LvPlanner.ResizeMode.REDUCE);
    }

    /** lvresize: grows or shrinks. */
    public synchronized LogicalVolume lvresize(LvResizeRequest request) {
        ensureOpen();
        return lvs.resize(request, LvPlanner.ResizeMode.RESIZE);
    }

    /** lvremove: refused for locked LVs, and for open LVs unless {@code force}. */
    public synchronized void lvremove(String vgName, String lvName, boolean force) {
        ensureOpen();
        lvs.remove(vgName, lvName, force);
    }

    /** lvrename. */
    public synchronized LogicalVolume lvrename(String vgName, String oldName, String newName) {
        ensureOpen();
        return lvs.rename(vgName, oldName, newName);
    }

    // ---------------------------------------------------------------- helpers

    /** What recovery repaired when this manager opened the data directory. */
    public synchronized List<String> recoveryLog() {
        ensureOpen();
        return catalog.recoveryLog();
    }

    /** Tells {@code listener} of every VG metadata commit from now on (replacing any previous listener). */
    public void commitListener(CommitListener listener) {
        catalog.commitListener(listener);
    }

    /** The runtime state provider reports consult. */
    public LvRuntime runtime() {
        return runtime;
    }

    VolumeGroup commitChange(VolumeGroup before, VolumeGroup proposed) {
        return commits.change(before, proposed, RequiredPvs.NONE);
    }

    VolumeGroup requireVg(String name) {
        VolumeGroup vg = catalog.vgs().get(name);
        if (vg == null) {
            throw new VolumeException(ErrorCode.VG_NOT_FOUND, "Volume group \"" + name + "\" not found");
        }
        String why = offline.get(name);
        if (why != null) {
            throw new VolumeException(ErrorCode.FORCEOFF, "Volume group " + name + " is offline: " + why
                    + " (bring the PVs back and restart the daemon)");
        }
        return vg;
    }

    /** Takes VG {@code name} offline: every later operation on it is refused with FORCEOFF naming {@code why}. */
    public synchronized void takeOffline(String name, String why) {
        offline.put(name, why);
    }

    /** Whether VG {@code name} was taken offline. */
    public synchronized boolean isOffline(String name) {
        return offline.containsKey(name);
    }

    void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("VolumeManager is CLOSED; operations need it OPEN");
        }
    }

    /** Closes every PV device; later calls throw IllegalStateException. Idempotent. */
    @Override
    public synchronized void close() throws IOException {
        closed = true;
        catalog.close();
    }
}
