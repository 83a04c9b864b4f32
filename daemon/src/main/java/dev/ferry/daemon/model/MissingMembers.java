package dev.ferry.daemon.model;

import dev.ferry.daemon.metadata.DeviceOpener;
import dev.ferry.daemon.metadata.PvDisk;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * The missing-PV side of a {@link VolumeManager} (recording PVs missing, finding vanished ones, restoring a returning
 * one, dropping missing ones from their VG) with no lock of its own: the manager's synchronized methods call it
 * holding the manager's monitor, and {@link #restore}, called without it, takes it around all but opening the PV.
 */
final class MissingMembers {
    private final VolumeManager manager;
    private final MetadataCatalog catalog;
    private final DeviceOpener opener;

    MissingMembers(VolumeManager manager, MetadataCatalog catalog, DeviceOpener opener) {
        this.manager = manager;
        this.catalog = catalog;
        this.opener = opener;
    }

    /**
     * {@link VolumeManager#vgextendRestoreMissing}: checks under the manager's monitor that {@code name} is a missing
     * member of {@code vgName} and lets {@code check} refuse it, opens it without the monitor (a remote PV may wait
     * for its connection), then puts it back under the monitor.
     */
    VolumeGroup restore(String vgName, String name, Consumer<PhysicalVolume> check) {
        VolumeGroup vg;
        PhysicalVolume pv;
        synchronized (manager) {
            manager.ensureOpen();
            vg = manager.requireVg(vgName);
            pv = requireMissingMember(vg, name);
            check.accept(pv);
        }
        PvDisk disk;
        try {
            disk = ReturningPv.open(opener, vg, pv);   // may wait for a connection: reports go on meanwhile
        } catch (VolumeException e) {
            if (PvUri.isUri(pv.name())) {
                synchronized (manager) {
                    catalog.refuse(pv.name(), e.getMessage());   // its health in reports until it is back
                }
            }
            throw e;
        }
        synchronized (manager) {
            return putBack(vgName, pv, disk);
        }
    }

    /** Puts {@code disk}, opened for missing PV {@code pv}, into use and commits the VG with the PV present. */
    private VolumeGroup putBack(String vgName, PhysicalVolume pv, PvDisk disk) {
        VolumeGroup vg;
        try {
            manager.ensureOpen();
            vg = manager.requireVg(vgName);
            if (!requireMissingMember(vg, pv.name()).uuid().equals(pv.uuid())) {
                throw new VolumeException(ErrorCode.INVALID_ARGUMENT, "Physical volume " + pv.name() + " of volume "
                        + "group " + vgName + " changed while it was opened; try again");
            }
        } catch (RuntimeException e) {
            try {
                disk.close();
            } catch (IOException again) {
                e.addSuppressed(again);
            }
            throw e;
        }
        catalog.restore(disk);
        VolumeGroup next = manager.commitChange(vg, vg.withPvs(vg.pvs().stream()
                .map(x -> x.uuid().equals(pv.uuid()) ? x.withMissing(false) : x).toList()));
        if (catalog.isLost(pv.uuid())) {   // the commit went on without it
            manager.updateVolumeGroup(vgName, this::flagged);
            throw new VolumeException(ErrorCode.IO_ERROR, "Writing the metadata of volume group " + vgName
                    + " to physical volume " + pv.name() + " failed; it stays missing");
        }
        return next;
    }

    /** The member of {@code vg} named {@code name}, which must be missing (flagged, absent or lost). */
    private PhysicalVolume requireMissingMember(VolumeGroup vg, String name) {
        PhysicalVolume pv = vg.pvByName(name).orElseThrow(() -> new VolumeException(ErrorCode.PV_NOT_FOUND,
                "Physical volume " + name + " not in volume group " + vg.name()));
        if (!pv.missing() && manager.presentPvs().contains(pv.uuid())) {
            throw new VolumeException(ErrorCode.INVALID_ARGUMENT, "Physical volume " + name + " of volume group "
                    + vg.name() + " is not missing");
        }
        return pv;
    }

    /** {@link VolumeManager#vgreduceMissing}. */
    VolumeGroup reduce(String vgName, boolean force) {
        VolumeGroup vg = manager.requireVg(vgName);
        Set<UUID> present = manager.presentPvs();
        Set<UUID> missing = new LinkedHashSet<>();
        vg.pvs().stream().filter(pv -> pv.missing() || !present.contains(pv.uuid())).forEach(pv -> missing.add(pv.uuid()));
        if (missing.isEmpty()) {
            throw new VolumeException(ErrorCode.INVALID_ARGUMENT, "Volume group " + vgName + " has no missing PV");
        }
        if (missing.size() == vg.pvs().size()) {
            throw new VolumeException(ErrorCode.LAST_PV, "Can't remove every physical volume of " + vgName);
        }
        List<String> inTheWay = vg.lvs().stream().filter(lv -> lv.segments().stream().anyMatch(s -> s.areas()
                .stream().anyMatch(a -> missing.contains(a.pv())))).map(LogicalVolume::name).toList();
        if (!inTheWay.isEmpty() && !force) {
            throw new VolumeException(ErrorCode.INVALID_ARGUMENT, "Logical volume(s) " + String.join(", ", inTheWay)
                    + " of " + vgName + " still use a missing PV: repair mirrors with lvconvert --repair, or use "
                    + "vgreduce --removemissing --force to drop their copies there (LVs with no other copy are "
                    + "removed)");
        }
        VolumeGroup next = MirrorLayout.withoutPvs(flagged(vg), missing);
        return manager.commitChange(vg, next);
    }

    /** {@link VolumeManager#markMissing}. */
    VolumeGroup mark(String vgName, UUID pv, String why) {
        catalog.diskByUuid(pv).ifPresent(d -> catalog.lose(d, why));
        return manager.updateVolumeGroup(vgName, this::flagged);
    }

    /** {@link VolumeManager#withMissingFlagged}. */
    VolumeGroup flagged(VolumeGroup vg) {
        return MirrorLayout.withMissingPvsStale(vg, manager.presentPvs());
    }

    /** {@link VolumeManager#vanishedPvs}, a remote PV's failure as {@code health} reports it. */
    Map<UUID, String> vanished(VolumeGroup vg, RemoteHealth.Source health) {
        Map<UUID, String> out = new LinkedHashMap<>();
        for (PhysicalVolume p : vg.pvs()) {
            if (p.missing()) {
                continue;
            }
            if (catalog.isLost(p.uuid())) {
                out.put(p.uuid(), "a metadata write to PV " + p.name() + " failed");
            } else if (catalog.diskByUuid(p.uuid()).map(d -> !d.stillAtPath()).orElse(false)) {
                out.put(p.uuid(), "PV file " + p.name() + " was unlinked or replaced");
            } else if (catalog.diskByUuid(p.uuid()).isPresent()) {
                health.health(p.name()).filter(h -> h.state() == RemoteHealth.State.FAILED).ifPresent(h ->
                        out.put(p.uuid(), "remote PV " + p.name() + " failed: " + h.reason()));
            }
        }
        return out;
    }
}
