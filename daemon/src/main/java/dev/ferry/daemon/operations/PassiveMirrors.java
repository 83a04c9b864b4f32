package dev.ferry.daemon.operations;

import dev.ferry.daemon.activation.Activator;
import dev.ferry.daemon.model.LogicalVolume;
import dev.ferry.daemon.model.LvFlag;
import dev.ferry.daemon.model.MirrorWriteConsistency;
import dev.ferry.daemon.model.VolumeException;
import dev.ferry.daemon.model.VolumeGroup;
import dev.ferry.daemon.model.VolumeManager;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiPredicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link LvFlag#UNCLEAN} mark of mirrors without a region log (passive consistency, or none): committed while
 * such a mirror is active, so that after a crash a passive mirror's next activation copies every region and one
 * without consistency is flagged {@link LvFlag#COPIES_MAY_DIFFER}; cleared at a clean stop for the mirrors that were
 * in sync when their devices went away.
 */
final class PassiveMirrors {
    private static final Logger LOG = LoggerFactory.getLogger(PassiveMirrors.class);

    private PassiveMirrors() {
    }

    /** Marks every active passive mirror of {@code manager}'s VGs unclean (one commit per VG that changes). */
    static void markActive(VolumeManager manager, Activator activator) {
        update(manager, (vg, lv) -> !lv.has(LvFlag.UNCLEAN) && activator.isActive(vg.name(), lv.name()), true);
    }

    /** The log-less mirrors ({@code VG -> LV names}) active and in sync now: those a clean stop may mark clean. */
    static Map<String, Set<String>> inSync(VolumeManager manager, Activator activator) {
        Map<String, Set<String>> out = new LinkedHashMap<>();
        for (VolumeGroup vg : manager.volumeGroups()) {
            List<String> names = new ArrayList<>();
            for (LogicalVolume lv : vg.lvs()) {
                if (passive(lv) && activator.copyPercent(vg.name(), lv.name()).orElse(0) >= 100) {
                    names.add(lv.name());
                }
            }
            if (!names.isEmpty()) {
                out.put(vg.name(), Set.copyOf(names));
            }
        }
        return out;
    }

    /** Clears the unclean mark of the passive mirrors in {@code stopped} (from {@link #inSync}), after their stop. */
    static void markClean(VolumeManager manager, Map<String, Set<String>> stopped) {
        update(manager, (vg, lv) -> lv.has(LvFlag.UNCLEAN)
                && stopped.getOrDefault(vg.name(), Set.of()).contains(lv.name()), false);
    }

    /** A mirror without a region log: passive consistency, or none. */
    private static boolean passive(LogicalVolume lv) {
        return lv.mirrored() && lv.mirror().consistency() != MirrorWriteConsistency.ACTIVE;
    }

    /**
     * At start, before activation: the mirrors without crash consistency found unclean (not stopped cleanly) are
     * flagged {@link LvFlag#COPIES_MAY_DIFFER} until a forced resync, and activate without copying anything; one
     * commit per VG that changes.
     */
    static void noteCrashedWithoutConsistency(VolumeManager manager) {
        for (VolumeGroup vg : manager.volumeGroups()) {
            List<String> names = vg.lvs().stream().filter(lv -> lv.mirrored() && lv.has(LvFlag.UNCLEAN)
                    && lv.mirror().consistency() == MirrorWriteConsistency.OFF && !lv.has(LvFlag.COPIES_MAY_DIFFER))
                    .map(LogicalVolume::name).toList();
            if (names.isEmpty() || manager.isOffline(vg.name())) {
                continue;
            }
            names.forEach(n -> LOG.warn("mirror {}/{} (mwc off) was not stopped cleanly: its copies may differ "
                    + "until resynclv -f", vg.name(), n));
            try {
                manager.updateVolumeGroup(vg.name(), v -> {
                    VolumeGroup out = v;
                    for (String name : names) {
                        out = out.withLvChanged(name, lv -> {   // nothing is copied: off does nothing
                            Set<LvFlag> status = EnumSet.copyOf(lv.status());
                            status.add(LvFlag.COPIES_MAY_DIFFER);
                            status.remove(LvFlag.UNCLEAN);
                            return lv.withStatus(status);
                        });
                    }
                    return out;
                });
            } catch (VolumeException e) {
                LOG.warn("VG {}: could not record that mirrors {} may differ: {}", vg.name(), names, e.getMessage());
            }
        }
    }

    private static void update(VolumeManager manager, BiPredicate<VolumeGroup, LogicalVolume> which, boolean unclean) {
        for (VolumeGroup vg : manager.volumeGroups()) {
            List<String> names = vg.lvs().stream().filter(lv -> passive(lv) && which.test(vg, lv))
                    .map(LogicalVolume::name).toList();
            if (names.isEmpty()) {
                continue;
            }
            try {
                manager.updateVolumeGroup(vg.name(), v -> {
                    VolumeGroup out = v;
                    for (String name : names) {
                        out = out.withLvChanged(name, lv -> lv.withStatus(flagged(lv.status(), unclean)));
                    }
                    return out;
                });
            } catch (VolumeException e) {
                LOG.warn("passive mirrors {} of VG {}: could not record them {}: {}", names, vg.name(),
                        unclean ? "unclean (a crash may leave their copies different without a resync)"
                                : "clean (their next activation copies every region)", e.getMessage());
            }
        }
    }

    private static Set<LvFlag> flagged(Set<LvFlag> status, boolean unclean) {
        Set<LvFlag> out = status.isEmpty() ? EnumSet.noneOf(LvFlag.class) : EnumSet.copyOf(status);
        if (unclean) {
            out.add(LvFlag.UNCLEAN);
        } else {
            out.remove(LvFlag.UNCLEAN);
        }
        return out;
    }
}
