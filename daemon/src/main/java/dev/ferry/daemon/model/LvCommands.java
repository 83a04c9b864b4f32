package dev.ferry.daemon.model;

import java.util.List;

/**
 * The LV commands of a {@link VolumeManager} (lvcreate, lvextend, lvreduce, lvresize, lvremove, lvrename): each plans
 * or checks the change of the LV's VG and commits it. No lock of its own: the manager's synchronized methods call it
 * holding the manager's monitor.
 */
final class LvCommands {
    private final VolumeManager manager;

    LvCommands(VolumeManager manager) {
        this.manager = manager;
    }

    /** {@link VolumeManager#lvcreate}. */
    LogicalVolume create(LvCreateRequest request) {
        VolumeGroup vg = manager.requireVg(request.vg());
        VolumeGroup next = manager.commitChange(vg, new LvPlanner(vg, manager.presentPvs()).create(request));
        return next.lvs().get(next.lvs().size() - 1);
    }

    /** lvextend, lvreduce or lvresize, as {@code mode} says. */
    LogicalVolume resize(LvResizeRequest request, LvPlanner.ResizeMode mode) {
        VolumeGroup vg = manager.requireVg(request.vg());
        VolumeGroup next = manager.commitChange(vg, new LvPlanner(vg, manager.presentPvs()).resize(request, mode));
        return next.lv(request.lv()).orElseThrow();
    }

    /** {@link VolumeManager#lvremove}. */
    void remove(String vgName, String lvName, boolean force) {
        VolumeGroup vg = manager.requireVg(vgName);
        LogicalVolume lv = requireUnlocked(vg, lvName);
        requireVisible(vg, lv);
        if (!force && manager.runtime().isOpen(vgName, lvName)) {
            throw new VolumeException(ErrorCode.LV_OPEN, "Logical volume " + vgName + "/" + lvName + " is in use");
        }
        VolumeGroup without = vg.withLvChanged(lv.name(), l -> null);
        if (lv.mirror() != null && lv.mirror().logLv() != null) {
            without = without.withLvChanged(lv.mirror().logLv(), l -> null);
        }
        manager.commitChange(vg, without);
    }

    /** {@link VolumeManager#lvrename}. */
    LogicalVolume rename(String vgName, String oldName, String newName) {
        VolumeGroup vg = manager.requireVg(vgName);
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
        return manager.commitChange(vg, renamed).lv(newName).orElseThrow();
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
}
