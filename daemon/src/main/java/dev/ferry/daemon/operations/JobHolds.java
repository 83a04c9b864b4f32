package dev.ferry.daemon.operations;

import dev.ferry.daemon.model.KnownPvs;
import dev.ferry.daemon.model.LogicalVolume;
import dev.ferry.daemon.model.LvFlag;
import dev.ferry.daemon.model.MirrorResync;
import dev.ferry.daemon.model.PhysicalVolume;
import dev.ferry.daemon.model.VolumeGroup;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * The holds one volume operation takes on LVs against the mirror jobs ({@link MirrorJobGuard}), released together;
 * taken under {@link VolumeService}'s lock, so the VG they are checked against is the committed one.
 */
final class JobHolds implements AutoCloseable {
    private final List<MirrorJobGuard.Hold> held = new ArrayList<>();

    private JobHolds() {
    }

    /**
     * Holds {@code lvs} of {@code vg} for {@code operation}, or none: refused with INRESYNC while a job runs on one
     * of them or one carries the record of a job (one not resumed yet at a daemon start).
     */
    static JobHolds of(MirrorJobGuard guard, VolumeGroup vg, Collection<String> lvs, String operation) {
        JobHolds holds = new JobHolds();
        try {
            for (String name : lvs) {
                holds.held.add(guard.hold(vg.name(), name, operation));
                LogicalVolume lv = vg.lv(name).orElse(null);
                if (lv != null && lv.mirrored() && lv.mirror().resync() != null) {
                    throw MirrorJobGuard.refusal(vg.name(), name, "a " + lv.mirror().resync().verb()
                            + " job recorded on it", operation);
                }
            }
        } catch (RuntimeException e) {
            holds.close();
            throw e;
        }
        return holds;
    }

    /**
     * The LVs of {@code before} that {@code after} locks (a pvmove starting to move their extents, which a job's
     * record names by place).
     */
    static List<String> newlyLocked(VolumeGroup before, VolumeGroup after) {
        return after.lvs().stream().filter(lv -> lv.has(LvFlag.LOCKED))
                .filter(lv -> before.lv(lv.name()).filter(b -> !b.has(LvFlag.LOCKED)).isPresent())
                .map(LogicalVolume::name).toList();
    }

    /** The LVs of {@code vg} with an extent on a PV that is flagged missing or not among {@code present}. */
    static List<String> onMissingPvs(VolumeGroup vg, Set<UUID> present) {
        Set<UUID> missing = vg.pvs().stream().filter(pv -> pv.missing() || !present.contains(pv.uuid()))
                .map(PhysicalVolume::uuid).collect(Collectors.toSet());
        return vg.lvs().stream().filter(lv -> lv.segments().stream().anyMatch(s -> s.areas().stream()
                .anyMatch(a -> missing.contains(a.pv())))).map(LogicalVolume::name).toList();
    }

    /**
     * Refuses (INRESYNC) a vgreduce of {@code pvPaths} when one of them is the source or destination of a migratepp
     * recorded in {@code vg}: that PV may hold none of the LE's copies at the moment (the destination before the
     * extend, the source of a 3-copy move after its reduce), yet the job puts a copy there.
     */
    static void refuseMovesOff(VolumeGroup vg, Collection<String> pvPaths) {
        for (String path : pvPaths) {
            PhysicalVolume pv = vg.pvByName(KnownPvs.canonical(path)).orElse(null);
            for (LogicalVolume lv : pv == null ? List.<LogicalVolume>of() : vg.lvs()) {
                MirrorResync r = lv.mirrored() ? lv.mirror().resync() : null;
                MirrorResync.Move move = r == null ? null : r.move();
                if (move != null && (pv.uuid().equals(move.source().pv())
                        || pv.uuid().equals(move.destination().pv()))) {
                    throw MirrorJobGuard.refusal(vg.name(), lv.name(), "a migratepp job moves LE " + move.le()
                            + " from or to " + pv.name(), "vgreduce");
                }
            }
        }
    }

    @Override
    public void close() {
        held.forEach(MirrorJobGuard.Hold::close);
        held.clear();
    }
}
