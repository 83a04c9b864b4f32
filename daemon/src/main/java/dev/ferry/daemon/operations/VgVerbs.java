package dev.ferry.daemon.operations;

import dev.ferry.daemon.model.ErrorCode;
import dev.ferry.daemon.model.LogicalVolume;
import dev.ferry.daemon.model.VolumeException;
import dev.ferry.daemon.model.VolumeGroup;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The VG verbs that change which PVs or LVs a VG has in use (vgextend --restoremissing, vgreduce, vgreduce
 * --removemissing, vgremove), each a commit through the manager with the activation brought in step through
 * {@link MissingPvs#inStep}. Called under {@link VolumeService}'s lock.
 */
final class VgVerbs {
    /** The logger of {@link VolumeService}, whose verbs these are. */
    private static final Logger LOG = LoggerFactory.getLogger(VolumeService.class);

    private final VolumeService service;

    VgVerbs(VolumeService service) {
        this.service = service;
    }

    /** {@link VolumeService#vgextendRestoreMissing}. */
    VolumeGroup restoreMissing(String vgName, String pvPath) {
        VolumeGroup before = service.requireVg(vgName);
        UUID[] pv = new UUID[1];
        VolumeGroup after = service.manager().vgextendRestoreMissing(vgName, pvPath, missing -> {
            if (service.activator().openPvs().contains(missing.name())) {
                throw new VolumeException(ErrorCode.INVALID_ARGUMENT, "Physical volume " + missing.name() + " is "
                        + "still open under the tables of volume group " + vgName + " (a table still names it: its "
                        + "loss not recorded yet, a pvmove region log on it, or a table loaded by hand)");
            }
            pv[0] = missing.uuid();
        });
        String name = after.pv(pv[0]).orElseThrow().name();
        LOG.warn("VG {}: PV {} is back in use; reloading the LVs on it (its stale mirror copies resync)", vgName,
                name);
        MissingPvs.inStep(service.activator(), before, after, lv -> MissingPvs.uses(lv, pv[0]));
        return after;
    }

    /** {@link VolumeService#vgreduce}. */
    VolumeGroup reduce(String vgName, List<String> pvPaths) {
        JobHolds.refuseMovesOff(service.requireVg(vgName), pvPaths);
        return service.manager().vgreduce(vgName, pvPaths);
    }

    /** {@link VolumeService#vgreduceMissing}. */
    VolumeGroup reduceMissing(String vgName, boolean force) {
        VolumeGroup before = service.requireVg(vgName);
        try (JobHolds held = service.held(vgName, JobHolds.onMissingPvs(before, service.manager().presentPvs()),
                "vgreduce --removemissing")) {
            VolumeGroup vg = service.manager().vgreduceMissing(vgName, force);
            MissingPvs.inStep(service.activator(), before, vg, lv -> false);
            return vg;
        }
    }

    /** {@link VolumeService#vgremove}. */
    void remove(String vgName, boolean force) {
        VolumeGroup before = service.manager().volumeGroup(vgName).orElse(null);
        try (JobHolds held = before == null ? null : service.held(vgName, before.lvs().stream()
                .map(LogicalVolume::name).toList(), "vgremove")) {
            service.manager().vgremove(vgName, force);
        }
        if (before != null) {
            MissingPvs.inStep(service.activator(), before, before.withLvs(List.of()), lv -> false);
            before.lvs().forEach(lv -> service.names().removed(vgName, lv.name()));
        }
    }
}
