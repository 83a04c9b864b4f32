package dev.ferry.daemon.model;

import dev.ferry.daemon.metadata.DeviceOpener;
import dev.ferry.daemon.metadata.PvDisk;
import dev.ferry.daemon.metadata.PvLabel;
import dev.ferry.daemon.metadata.VgMetadataStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * The PV and VG commands of a {@link VolumeManager} that change which VG a PV belongs to: pvcreate makes an orphan,
 * pvremove unmakes one, vgcreate and vgextend take orphans in, vgreduce and vgremove let members go. No lock of its
 * own: the manager's synchronized methods call it holding the manager's monitor.
 */
final class PvMembership {
    private final VolumeManager manager;
    private final MetadataCatalog catalog;
    private final DeviceOpener opener;
    private final VgCommits commits;

    PvMembership(VolumeManager manager, MetadataCatalog catalog, DeviceOpener opener, VgCommits commits) {
        this.manager = manager;
        this.catalog = catalog;
        this.opener = opener;
        this.commits = commits;
    }

    /** {@link VolumeManager#pvcreate}: returns the new orphan's disk. */
    PvDisk label(String path, Long size, boolean force) {
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
        return disk;
    }

    /** {@link VolumeManager#pvremove}. */
    void unlabel(String path) {
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

    /** {@link VolumeManager#vgcreate}. */
    VolumeGroup create(String name, List<String> pvPaths, Long extentSize) {
        Names.checkVgName(name);
        if (catalog.vgs().containsKey(name)) {
            throw new VolumeException(ErrorCode.VG_EXISTS, "A volume group called " + name + " already exists.");
        }
        long es = extentSize == null ? VolumeManager.DEFAULT_EXTENT_SIZE : extentSize;
        VgValidator.checkExtentSize(es);
        List<PhysicalVolume> pvs = orphansAsMembers(pvPaths, es);
        VolumeGroup vg = VolumeGroup.create(name, es, pvs).withSeqno(1);
        VgValidator.validate(vg);
        return commits.create(vg);
    }

    /** {@link VolumeManager#vgextend}. */
    VolumeGroup extend(String vgName, List<String> pvPaths) {
        VolumeGroup vg = manager.requireVg(vgName);
        List<PhysicalVolume> pvs = new ArrayList<>(vg.pvs());
        pvs.addAll(orphansAsMembers(pvPaths, vg.extentSize()));
        return manager.commitChange(vg, vg.withPvs(pvs));
    }

    /** {@link VolumeManager#vgreduce}. */
    VolumeGroup reduce(String vgName, List<String> pvPaths) {
        VolumeGroup vg = manager.requireVg(vgName);
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
        VolumeGroup next = manager.commitChange(vg, vg.withPvs(vg.pvs().stream()
                .filter(pv -> !removed.contains(pv.uuid())).collect(Collectors.toList())));
        catalog.release(next, removed);
        return next;
    }

    /** {@link VolumeManager#vgremove}. */
    void remove(String vgName, boolean force) {
        VolumeGroup vg = manager.requireVg(vgName);
        if (!vg.lvs().isEmpty() && !force) {
            throw new VolumeException(ErrorCode.VG_HAS_LVS, "Volume group " + vgName + " still contains "
                    + vg.lvs().size() + " logical volume(s)");
        }
        LvRuntime runtime = manager.runtime();
        for (LogicalVolume lv : vg.lvs()) {
            if (!lv.has(LvFlag.MIRROR_LOG) && runtime.isOpen(vgName, lv.name())) {   // a log is open by its mirror
                throw new VolumeException(ErrorCode.LV_OPEN, "Logical volume " + vgName + "/" + lv.name()
                        + " is in use");
            }
        }
        catalog.release(vg, vg.pvs().stream().map(PhysicalVolume::uuid).collect(Collectors.toList()));
        catalog.forget(vg);
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
}
