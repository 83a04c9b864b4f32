package dev.ferry.daemon.model;

import dev.ferry.daemon.metadata.DeviceOpener;
import dev.ferry.daemon.metadata.PvDisk;
import dev.ferry.daemon.metadata.PvLabel;
import dev.ferry.daemon.metadata.VgMetadataStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.HashMap;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * The LVM-style operations on one data directory's PVs, VGs and LVs. Every mutation validates first (a refusal
 * throws {@link VolumeException} and writes nothing), then commits the new VG document to every PV before it
 * returns. Methods are serialised; one method per CLI command so a REST or CLI layer maps onto it 1:1.
 */
public final class VolumeManager implements AutoCloseable {
    /** Smallest device pvcreate accepts: the 1 MiB label/metadata area plus 1 MiB of data. */
    public static final long MIN_PV_SIZE = PvLabel.DEFAULT_PE_START + 1024 * 1024;
    /** vgcreate's default extent size, 4 MiB as LVM. */
    public static final long DEFAULT_EXTENT_SIZE = 4L * 1024 * 1024;

    private final MetadataCatalog catalog;
    private final DeviceOpener opener;
    private final LvRuntime runtime;
    private final MissingMembers missing;
    private final Map<String, String> offline = new HashMap<>();
    private volatile RemoteHealth.Source health = RemoteHealth.Source.NONE;
    /**
     * While a commit writes metadata (holding the lock, possibly for a remote PV's deadlines): the state taken just
     * before it, which reports answer from; null otherwise.
     */
    private volatile VolumeSnapshot beforeCommit;
    private boolean closed;

    private VolumeManager(MetadataCatalog catalog, DeviceOpener opener, LvRuntime runtime) {
        this.catalog = catalog;
        this.opener = opener;
        this.runtime = runtime;
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
        String p = KnownPvs.canonical(path);
        catalog.vgs().values().stream().filter(vg -> vg.pvByName(p).isPresent()).findFirst().ifPresent(vg -> {
            throw new VolumeException(ErrorCode.PV_IN_USE, "Physical volume " + p + " belongs to volume group "
                    + vg.name());
        });
        PvDisk disk = PvUri.isUri(p) ? PvInitializer.initializeRemote(catalog.known(), opener, p, size, force)
                : PvInitializer.initialize(catalog.known(), opener, Paths.get(p), size, force);
        try {
            catalog.addDisk(disk);
        } catch (IOException e) {
            throw new VolumeException(ErrorCode.IO_ERROR, "pvcreate " + p + " failed: " + e.getMessage(), e);
        }
        return info(disk);
    }

    /** pvremove: wipes the label and metadata of an orphan PV and forgets it (a missing orphan is just forgotten). */
    public synchronized void pvremove(String path) {
        ensureOpen();
        String p = KnownPvs.canonical(path);
        if (catalog.disk(p).isEmpty() && catalog.known().contains(p)
                && (PvUri.isUri(p) || !Files.exists(Paths.get(p)))
                && catalog.vgs().values().stream().noneMatch(vg -> vg.pvByName(p).isPresent())) {
            catalog.guard("forget missing PV " + p, () -> catalog.known().remove(p));
            return;
        }
        PvDisk disk = requireDisk(p);
        catalog.vgOf(disk.uuid()).ifPresent(vg -> {
            throw new VolumeException(ErrorCode.PV_IN_USE, "Physical volume " + p + " belongs to volume group "
                    + vg.name() + "; run vgreduce first");
        });
        catalog.guard("pvremove " + p, () -> {
            VgMetadataStore.clearAll(disk);
            disk.wipeLabel();
            disk.sync();
            catalog.removeDisk(p);
            catalog.known().remove(p);
        });
    }

    /**
     * A consistent view of all PVs, VGs and which PVs are present, taken under the manager's lock; while a commit
     * writes metadata (which may wait for a remote PV's request timeout and reconnect window), the view taken just
     * before that commit, with each remote PV's health as its link reports it now, so that reports never wait for a
     * commit and show a link that is reconnecting as such.
     */
    public VolumeSnapshot snapshot() {
        VolumeSnapshot before = beforeCommit;
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
        Names.checkVgName(name);
        if (catalog.vgs().containsKey(name)) {
            throw new VolumeException(ErrorCode.VG_EXISTS, "A volume group called " + name + " already exists.");
        }
        long es = extentSize == null ? DEFAULT_EXTENT_SIZE : extentSize;
        VgValidator.checkExtentSize(es);
        List<PhysicalVolume> pvs = orphansAsMembers(pvPaths, es);
        VolumeGroup vg = VolumeGroup.create(name, es, pvs).withSeqno(1);
        VgValidator.validate(vg);
        return committed(() -> catalog.commit(null, vg, RequiredPvs.NONE));
    }

    /** vgextend: adds orphan PVs to {@code vgName}. */
    public synchronized VolumeGroup vgextend(String vgName, List<String> pvPaths) {
        ensureOpen();
        VolumeGroup vg = requireVg(vgName);
        List<PhysicalVolume> pvs = new ArrayList<>(vg.pvs());
        pvs.addAll(orphansAsMembers(pvPaths, vg.extentSize()));
        return commitChange(vg, vg.withPvs(pvs));
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
        VolumeGroup vg = requireVg(vgName);
        Set<UUID> removed = new LinkedHashSet<>();
        FreeSpaceMap free = FreeSpaceMap.of(vg);
        for (String path : distinct(pvPaths)) {
            PhysicalVolume pv = vg.pvByName(path).orElseThrow(() -> new VolumeException(ErrorCode.PV_NOT_FOUND,
                    "Physical volume " + path + " not in volume group " + vgName));
            if (free.freeExtents(pv.uuid()) != pv.peCount()) {
                throw new VolumeException(ErrorCode.PV_HAS_EXTENTS, "Physical volume " + path + " still in use: "
                        + (pv.peCount() - free.freeExtents(pv.uuid())) + " extents allocated");
            }
            removed.add(pv.uuid());
        }
        if (removed.size() == vg.pvs().size()) {
            throw new VolumeException(ErrorCode.LAST_PV, "Can't remove final physical volume from " + vgName);
        }
        VolumeGroup next = commitChange(vg, vg.withPvs(vg.pvs().stream()
                .filter(pv -> !removed.contains(pv.uuid())).collect(Collectors.toList())));
        catalog.release(next, removed);
        return next;
    }

    /** vgremove: removes {@code vgName}; LVs are removed too only with {@code force}; open LVs always refuse. */
    public synchronized void vgremove(String vgName, boolean force) {
        ensureOpen();
        VolumeGroup vg = requireVg(vgName);
        if (!vg.lvs().isEmpty() && !force) {
            throw new VolumeException(ErrorCode.VG_HAS_LVS, "Volume group " + vgName + " still contains "
                    + vg.lvs().size() + " logical volume(s)");
        }
        for (LogicalVolume lv : vg.lvs()) {
            if (!lv.has(LvFlag.MIRROR_LOG) && runtime.isOpen(vgName, lv.name())) {   // a log is open by its mirror
                throw new VolumeException(ErrorCode.LV_OPEN, "Logical volume " + vgName + "/" + lv.name()
                        + " is in use");
            }
        }
        catalog.release(vg, vg.pvs().stream().map(PhysicalVolume::uuid).collect(Collectors.toList()));
        catalog.forget(vg);
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
        return proposed.equals(vg) ? vg : commitChange(vg, proposed, required);
    }

    // ---------------------------------------------------------------- LVs

    /** lvcreate. */
    public synchronized LogicalVolume lvcreate(LvCreateRequest request) {
        ensureOpen();
        VolumeGroup vg = requireVg(request.vg());
        VolumeGroup next = commitChange(vg, new LvPlanner(vg, presentPvs()).create(request));
        return next.lvs().get(next.lvs().size() - 1);
    }

    /** lvextend: grows only. */
    public synchronized LogicalVolume lvextend(LvResizeRequest request) {
        ensureOpen();
        return resize(request, LvPlanner.ResizeMode.EXTEND);
    }

    /** lvreduce: shrinks only. */
    public synchronized LogicalVolume lvreduce(LvResizeRequest request) {
        ensureOpen();
        return resize(request, LvPlanner.ResizeMode.REDUCE);
    }

    /** lvresize: grows or shrinks. */
    public synchronized LogicalVolume lvresize(LvResizeRequest request) {
        ensureOpen();
        return resize(request, LvPlanner.ResizeMode.RESIZE);
    }

    private LogicalVolume resize(LvResizeRequest request, LvPlanner.ResizeMode mode) {
        VolumeGroup vg = requireVg(request.vg());
        VolumeGroup next = commitChange(vg, new LvPlanner(vg, presentPvs()).resize(request, mode));
        return next.lv(request.lv()).orElseThrow();
    }

    /** lvremove: refused for locked LVs, and for open LVs unless {@code force}. */
    public synchronized void lvremove(String vgName, String lvName, boolean force) {
        ensureOpen();
        VolumeGroup vg = requireVg(vgName);
        LogicalVolume lv = requireUnlocked(vg, lvName);
        requireVisible(vg, lv);
        if (!force && runtime.isOpen(vgName, lvName)) {
            throw new VolumeException(ErrorCode.LV_OPEN, "Logical volume " + vgName + "/" + lvName + " is in use");
        }
        VolumeGroup without = vg.withLvChanged(lv.name(), l -> null);
        if (lv.mirror() != null && lv.mirror().logLv() != null) {
            without = without.withLvChanged(lv.mirror().logLv(), l -> null);
        }
        commitChange(vg, without);
    }

    /** lvrename. */
    public synchronized LogicalVolume lvrename(String vgName, String oldName, String newName) {
        ensureOpen();
        VolumeGroup vg = requireVg(vgName);
        LogicalVolume lv = requireUnlocked(vg, oldName);
        requireVisible(vg, lv);
        Names.checkLvName(newName);
        MirrorOptions mirror = lv.mirror() == null ? null : lv.mirror().renamedFor(newName);
        for (String taken : mirror == null || mirror.logLv() == null ? List.of(newName)
                : List.of(newName, mirror.logLv())) {
            if (vg.lv(taken).isPresent()) {
                throw new VolumeException(ErrorCode.LV_EXISTS, "Logical volume \"" + taken + "\" already exists in "
                        + "volume group \"" + vgName + "\"");
            }
        }
        VolumeGroup renamed = vg.withLvChanged(oldName, l -> l.withName(newName).withMirror(mirror));
        if (mirror != null && mirror.logLv() != null) {
            renamed = renamed.withLvChanged(lv.mirror().logLv(), l -> l.withName(mirror.logLv()));
        }
        return commitChange(vg, renamed).lv(newName).orElseThrow();
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
        return commitChange(before, proposed, RequiredPvs.NONE);
    }

    private VolumeGroup commitChange(VolumeGroup before, VolumeGroup proposed, RequiredPvs required) {
        if (!proposed.uuid().equals(before.uuid())) {
            throw new VolumeException(ErrorCode.INVALID_ARGUMENT, "A change may not replace VG " + before.name()
                    + "'s UUID");
        }
        if (!proposed.name().equals(before.name()) && catalog.vgs().containsKey(proposed.name())) {
            throw new VolumeException(ErrorCode.VG_EXISTS, "A volume group called " + proposed.name()
                    + " already exists.");
        }
        VolumeGroup next = proposed.withSeqno(catalog.nextSeqno(before));
        VgValidator.validate(next);
        zeroNewLogExtents(before, next);
        return committed(() -> catalog.commit(before, next, required));
    }

    /**
     * Runs a commit (under the lock) with reports answering meanwhile from the state just before it, which holds every
     * change committed so far (a command that returned is seen by the reports that follow it).
     */
    private VolumeGroup committed(Supplier<VolumeGroup> commit) {
        beforeCommit = takeSnapshot();
        try {
            return commit.get();
        } finally {
            beforeCommit = null;
        }
    }

    /**
     * Zeroes the extents that mirror region logs of {@code next} gained over {@code before} (new logs, grown ones)
     * before the commit that names them: freed extents may still hold an old log, whose in-sync bits a new mirror
     * must never trust.
     */
    private void zeroNewLogExtents(VolumeGroup before, VolumeGroup next) {
        for (LogicalVolume log : next.lvs()) {
            if (!log.has(LvFlag.MIRROR_LOG)) {
                continue;
            }
            LogicalVolume old = before.lvs().stream().filter(l -> l.uuid().equals(log.uuid())).findFirst()
                    .orElse(null);
            long keep = old == null ? 0 : old.extentCount();
            for (Segment s : log.segments()) {
                if (s.endLe() <= keep) {
                    continue;
                }
                long from = Math.max(keep, s.startLe());
                for (Area a : s.areas()) {   // every copy of a mirrored log
                    PhysicalVolume pv = next.pv(a.pv()).orElseThrow();
                    long offset = pv.peStart() + (a.startPe() + from - s.startLe()) * next.extentSize();
                    long length = (s.endLe() - from) * next.extentSize();
                    PvDisk disk = catalog.diskByUuid(pv.uuid()).orElseThrow(() -> new VolumeException(
                            ErrorCode.IO_ERROR, "PV " + pv.name() + " of the new mirror log " + log.name()
                            + " is not present"));
                    catalog.guard("zero the new mirror log " + log.name() + " on " + pv.name(),
                            () -> disk.zeroData(offset, length));
                }
            }
        }
    }

    private List<PhysicalVolume> orphansAsMembers(List<String> pvPaths, long extentSize) {
        if (pvPaths == null || pvPaths.isEmpty()) {
            throw new VolumeException(ErrorCode.INVALID_ARGUMENT, "At least one physical volume is required");
        }
        List<PhysicalVolume> out = new ArrayList<>();
        for (String p : distinct(pvPaths)) {
            PvDisk disk = requireDisk(p);
            catalog.vgOf(disk.uuid()).ifPresent(vg -> {
                throw new VolumeException(ErrorCode.PV_IN_USE, "Physical volume " + p + " is already in volume "
                        + "group " + vg.name());
            });
            PvLabel l = disk.label();
            long peCount = (l.deviceSize() - l.peStart()) / extentSize;
            if (peCount < 1) {
                throw new VolumeException(ErrorCode.PV_TOO_SMALL, "Physical volume " + p + " is too small for one "
                        + "extent of " + extentSize + " bytes");
            }
            out.add(new PhysicalVolume(disk.uuid(), p, l.deviceSize(), l.peStart(), peCount));
        }
        return out;
    }

    private static List<String> distinct(List<String> paths) {
        List<String> out = new ArrayList<>();
        for (String p : paths) {
            String c = KnownPvs.canonical(p);
            if (out.contains(c)) {
                throw new VolumeException(ErrorCode.INVALID_ARGUMENT, "Physical volume " + c + " listed twice");
            }
            out.add(c);
        }
        return out;
    }

    private PvDisk requireDisk(String canonicalPath) {
        return catalog.disk(canonicalPath).orElseThrow(() -> new VolumeException(ErrorCode.PV_NOT_FOUND,
                "Physical volume " + canonicalPath + " not found; run pvcreate first"));
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

    private static LogicalVolume requireUnlocked(VolumeGroup vg, String name) {
        LogicalVolume lv = vg.requireLv(name);
        if (lv.has(LvFlag.LOCKED)) {
            throw new VolumeException(ErrorCode.LV_LOCKED, "Logical volume " + vg.name() + "/" + name
                    + " is locked by a running operation");
        }
        return lv;
    }

    /** Refuses operations on hidden LVs (pvmove LVs, mirror logs) that only their owner may change. */
    private static void requireVisible(VolumeGroup vg, LogicalVolume lv) {
        if (lv.hidden()) {
            throw new VolumeException(ErrorCode.INVALID_ARGUMENT, "Logical volume " + vg.name() + "/" + lv.name()
                    + " is hidden: it belongs to another LV and changes only with it");
        }
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
