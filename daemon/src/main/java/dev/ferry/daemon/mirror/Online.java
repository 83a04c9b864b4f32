package dev.ferry.daemon.mirror;

import dev.ferry.daemon.activation.Activator;
import dev.ferry.daemon.model.ErrorCode;
import dev.ferry.daemon.model.VolumeException;
import dev.ferry.daemon.model.VolumeGroup;
import dev.ferry.daemon.operations.VolumeService;
import dev.ferry.mapper.mirror.MirrorTarget;

/** The VGs and active LVs the mirror verbs work on; OFFLINE (AIX's LVM_OFFLINE) for the others. */
final class Online {
    private Online() {
    }

    /** VG {@code vgName} as committed; OFFLINE when it is not available. */
    static VolumeGroup vg(VolumeService volumes, String vgName) {
        return volumes.manager().volumeGroup(vgName).orElseThrow(() -> new VolumeException(ErrorCode.OFFLINE,
                "volume group " + vgName + " is not available"));
    }

    /** The live mirror of active LV {@code lv} (null if it has none); OFFLINE when the LV is not active. */
    static MirrorTarget mirror(VolumeService volumes, String vg, String lv) {
        Activator activator = volumes.activator();
        if (!activator.isActive(vg, lv)) {
            throw new VolumeException(ErrorCode.OFFLINE, "LV " + vg + "/" + lv + " is not active, so its "
                    + "copies cannot be synced; activate it first");
        }
        return activator.mirrorOf(vg, lv).orElse(null);
    }
}
