package dev.ferry.daemon.operations;

import dev.ferry.daemon.model.AllocationPolicy;
import dev.ferry.daemon.model.ErrorCode;
import dev.ferry.daemon.model.FreeSpaceMap;
import dev.ferry.daemon.model.KnownPvs;
import dev.ferry.daemon.model.LogicalVolume;
import dev.ferry.daemon.model.MirrorConversions;
import dev.ferry.daemon.model.MirrorLogType;
import dev.ferry.daemon.model.MirrorWriteConsistency;
import dev.ferry.daemon.model.PeRun;
import dev.ferry.daemon.model.VolumeException;
import dev.ferry.daemon.model.VolumeGroup;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The conversions of mirrored LVs while they stay attached (lvconvert -m, --repair and --mirrorlog, lvchange --mwc):
 * each is one commit through {@link VolumeService#change} followed by a reload of the LV (and of its region log if
 * that changed) under a flushing suspend; a region log the conversion gave up is deactivated afterwards. Called under
 * {@link VolumeService}'s lock.
 */
final class LiveConversions {
    private static final Logger LOG = LoggerFactory.getLogger(LiveConversions.class);

    private final VolumeService service;

    LiveConversions(VolumeService service) {
        this.service = service;
    }

    /**
     * lvconvert -m: gives LV {@code lvName} {@code mirrors + 1} copies while it stays attached: new legs are
     * allocated (on {@code pvs} if given, away from the other legs unless {@code alloc} is anywhere), start stale and
     * are resynchronised in the background (Cpy%Sync shows it); removed legs are those on {@code pvs} first, then
     * the last; a linear LV becomes a mirror with a region log ({@code mwc}), one copy left makes it linear.
     */
    LogicalVolume copies(String vgName, String lvName, int mirrors, MirrorWriteConsistency mwc, AllocationPolicy alloc,
                         List<String> pvs) {
        return copiesConverted(vgName, lvName, "lvconvert -m", g -> MirrorConversions.withCopies(g, lvName,
                mirrors + 1, mwc, free(g, pvs), policy(g, lvName, alloc), pvUuids(g, pvs)));
    }

    /**
     * lvconvert --repair: replaces every leg of mirrored LV {@code lvName} that has an extent on a missing PV by a
     * new leg (on {@code pvs} if given), resynchronised from the good copies.
     */
    LogicalVolume repair(String vgName, String lvName, List<String> pvs) {
        Set<UUID> present = service.manager().presentPvs();
        return copiesConverted(vgName, lvName, "lvconvert --repair", g -> {
            Set<UUID> lost = new HashSet<>();
            g.pvs().stream().filter(pv -> pv.missing() || !present.contains(pv.uuid()))
                    .forEach(pv -> lost.add(pv.uuid()));
            return MirrorConversions.withLostCopiesReplaced(g, lvName, lost, free(g, pvs), policy(g, lvName, null));
        });
    }

    /**
     * lvchange --mwc: switches mirrored LV {@code lvName} to consistency {@code mwc} while it stays attached (to
     * active with a new region log, which starts with a full resync; from active its log LV goes).
     */
    LogicalVolume consistency(String vgName, String lvName, MirrorWriteConsistency mwc) {
        return converted(vgName, lvName, g -> MirrorConversions.withConsistency(g, lvName, mwc, free(g, List.of()),
                policy(g, lvName, null)));
    }

    /**
     * lvchange --maxrecoveryrate: limits the resync copies of mirrored LV {@code lvName} to {@code bytesPerSecond}
     * (0: no limit), at once for a resync under way.
     */
    LogicalVolume recoveryRate(String vgName, String lvName, long bytesPerSecond) {
        if (bytesPerSecond < 0) {
            throw new VolumeException(ErrorCode.INVALID_ARGUMENT, "A recovery rate cannot be negative");
        }
        VolumeGroup vg = service.change(vgName, g -> {
            LogicalVolume lv = g.requireLv(lvName);
            if (!lv.mirrored()) {
                throw new VolumeException(ErrorCode.INVALID_ARGUMENT, "Logical volume " + vgName + "/" + lvName
                        + " is not mirrored");
            }
            return g.withLvChanged(lvName, l -> l.withMirror(l.mirror().withRecoveryRate(bytesPerSecond)));
        }, g -> service.activator().limitRecovery(g, g.requireLv(lvName)));
        return vg.requireLv(lvName);
    }

    /**
     * lvconvert --mirrorlog: gives mirrored LV {@code lvName} a {@code type} log while it stays attached (a new or
     * second log copy allocated away from the legs unless {@code alloc} is anywhere, a new copy resynchronised from
     * the log's other copy).
     */
    LogicalVolume mirrorLog(String vgName, String lvName, MirrorLogType type, AllocationPolicy alloc) {
        return converted(vgName, lvName, g -> MirrorConversions.withLogType(g, lvName, type, free(g, List.of()),
                policy(g, lvName, alloc)));
    }

    /**
     * As {@link #converted}, for a conversion ({@code operation}) that changes which copies {@code lvName} has: held
     * against the mirror jobs ({@link MirrorJobGuard}), so refused with INRESYNC while a job runs on the LV or is
     * recorded on it.
     */
    private LogicalVolume copiesConverted(String vgName, String lvName, String operation,
                                          UnaryOperator<VolumeGroup> conversion) {
        try (JobHolds held = service.held(vgName, List.of(lvName), operation)) {
            return converted(vgName, lvName, conversion);
        }
    }

    /**
     * Commits {@code conversion} of {@code lvName}, then reloads its region log if that changed and stayed (a copy
     * added, dropped or replaced) and the LV itself; a log that went is deactivated.
     */
    private LogicalVolume converted(String vgName, String lvName, UnaryOperator<VolumeGroup> conversion) {
        VolumeGroup before = service.manager().requireVolumeGroup(vgName);
        LogicalVolume old = before.requireLv(lvName);
        String oldLog = old.mirrored() ? old.mirror().logLv() : null;
        VolumeGroup vg = service.change(vgName, conversion, g -> {
            LogicalVolume lv = g.requireLv(lvName);
            String log = lv.mirrored() ? lv.mirror().logLv() : null;
            if (log != null && !g.requireLv(log).equals(before.lv(log).orElse(null))
                    && service.activator().isActive(vgName, log)) {
                service.activator().reload(g, g.requireLv(log));
            }
            service.activator().reload(g, lv);
        });
        if (oldLog != null && vg.lv(oldLog).isEmpty()) {
            awaitGone(service.activator().deactivate(vgName, oldLog, true), vgName + "/" + oldLog);
        }
        return vg.requireLv(lvName);
    }

    /** Waits until a deactivated device is gone, so that a device of the same name can come. */
    private static void awaitGone(CompletableFuture<Void> removal, String what) {
        try {
            removal.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("deactivating {} did not finish cleanly: {}", what, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted deactivating " + what, e);
        }
    }

    /** The free space of {@code vg} on present PVs, limited to {@code pvs} when given. */
    private FreeSpaceMap free(VolumeGroup vg, List<String> pvs) {
        FreeSpaceMap free = FreeSpaceMap.of(vg).copy();
        Set<UUID> present = service.manager().presentPvs();
        Set<UUID> wanted = pvs == null || pvs.isEmpty() ? null : pvUuids(vg, pvs);
        Map<UUID, List<PeRun>> allowed = new HashMap<>();
        for (UUID pv : free.pvs()) {
            if (present.contains(pv) && (wanted == null || wanted.contains(pv))) {
                allowed.put(pv, free.freeRuns(pv));
            }
        }
        free.restrictTo(allowed);
        return free;
    }

    private static Set<UUID> pvUuids(VolumeGroup vg, List<String> pvs) {
        Set<UUID> out = new HashSet<>();
        for (String p : pvs == null ? List.<String>of() : pvs) {
            String path = KnownPvs.canonical(p);
            out.add(vg.pvByName(path).orElseThrow(() -> new VolumeException(ErrorCode.PV_NOT_FOUND,
                    "Physical volume " + path + " not found in volume group " + vg.name())).uuid());
        }
        return out;
    }

    private static AllocationPolicy policy(VolumeGroup vg, String lvName, AllocationPolicy requested) {
        AllocationPolicy p = requested != null ? requested : vg.requireLv(lvName).alloc();
        return p == AllocationPolicy.INHERIT ? vg.alloc() : p;
    }
}
