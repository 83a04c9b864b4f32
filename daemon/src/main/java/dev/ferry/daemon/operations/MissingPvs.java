package dev.ferry.daemon.operations;

import dev.ferry.daemon.activation.Activator;
import dev.ferry.daemon.model.ErrorCode;
import dev.ferry.daemon.model.LogicalVolume;
import dev.ferry.daemon.model.PhysicalVolume;
import dev.ferry.daemon.model.VolumeException;
import dev.ferry.daemon.model.VolumeGroup;
import dev.ferry.daemon.model.VolumeManager;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices PVs that go missing and brings the metadata in step: at start, PVs absent from their path are flagged
 * missing (and PVs flagged missing that are back are cleared: their mirror copies stay stale until resynced); while
 * running, a check every {@value #CHECK_MILLIS} ms finds PV files that were unlinked or replaced, whose metadata
 * writes failed, or that fail persistently ({@link Activator#persistentFailure}: data reads or data writes failing
 * with no success of their direction for at least a second and a probe read of the label failing too), and
 * {@link VolumeService#pvLost} records each as missing and reloads the LVs on it. A VG that cannot keep a quorum of
 * metadata copies goes offline. A missing PV that is back goes into use again while the daemon runs only by
 * {@link VolumeService#vgextendRestoreMissing}, which reloads the LVs on it through {@link #inStep}.
 */
final class MissingPvs implements AutoCloseable {
    /** How often PV files are checked (one probe of at most a second per failing PV each time). */
    static final long CHECK_MILLIS = 500;

    private static final Logger LOG = LoggerFactory.getLogger(MissingPvs.class);

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "ferry-pv-watch");
        t.setDaemon(true);
        return t;
    });

    /** Flags absent PVs missing and returning ones present again, one commit per VG that changes. */
    static void reconcile(VolumeManager manager) {
        Set<UUID> present = manager.presentPvs();
        for (VolumeGroup vg : manager.volumeGroups()) {
            boolean changes = vg.pvs().stream().anyMatch(pv -> pv.missing() == present.contains(pv.uuid()));
            if (!changes) {
                continue;
            }
            try {
                manager.updateVolumeGroup(vg.name(), g -> {
                    VolumeGroup back = g.withPvs(g.pvs().stream().map(pv -> pv.missing()
                            && present.contains(pv.uuid()) ? pv.withMissing(false) : pv).toList());
                    return manager.withMissingFlagged(back);
                });
                vg.pvs().stream().filter(pv -> !present.contains(pv.uuid()) && !pv.missing()).forEach(pv ->
                        LOG.error("VG {}: PV {} ({}) is missing; its mirror copies are stale", vg.name(), pv.name(),
                                pv.uuid()));
                vg.pvs().stream().filter(pv -> present.contains(pv.uuid()) && pv.missing()).forEach(pv ->
                        LOG.warn("VG {}: PV {} is back; its stale mirror copies resync", vg.name(), pv.name()));
            } catch (VolumeException e) {
                if (e.code() != ErrorCode.FORCEOFF) {
                    throw e;
                }
                LOG.error("VG {} stays offline: {}", vg.name(), e.getMessage());
                manager.takeOffline(vg.name(), e.getMessage());
            }
        }
    }

    /** Starts checking the PV files of {@code service}'s VGs. */
    void watch(VolumeService service) {
        timer.scheduleWithFixedDelay(() -> {
            try {
                long restores = service.manager().restores();   // before anything is found lost
                for (VolumeGroup vg : service.manager().volumeGroups()) {
                    if (service.manager().isOffline(vg.name())) {
                        continue;
                    }
                    Map<UUID, String> lost = new LinkedHashMap<>(service.manager().vanishedPvs(vg));
                    for (PhysicalVolume pv : vg.pvs()) {
                        if (!pv.missing() && !lost.containsKey(pv.uuid())) {
                            service.activator().persistentFailure(pv.name()).ifPresent(why -> lost.put(pv.uuid(), why));
                        }
                    }
                    lost.forEach((pv, why) -> service.pvLost(vg.name(), pv, why, restores));
                }
            } catch (RuntimeException e) {
                LOG.error("PV check failed", e);
            }
        }, CHECK_MILLIS, CHECK_MILLIS, TimeUnit.MILLISECONDS);
    }

    /**
     * PV {@code pv} of {@code vg} was lost while the daemon ran: it is recorded missing (the mirror copies on it
     * stale, a region log on it given up) by a quorum of the other PVs, and the activation is brought in step:
     * mirrors stop using the lost copies, other LVs fail only the extents on it. Without a quorum the VG goes
     * offline (FORCEOFF): its LVs are deactivated and its operations refused.
     */
    static void lose(VolumeManager manager, Activator activator, VolumeGroup vg, UUID pv, String why) {
        VolumeGroup after;
        try {
            after = manager.markMissing(vg.name(), pv, why);
        } catch (VolumeException e) {
            if (e.code() != ErrorCode.FORCEOFF) {
                throw e;
            }
            LOG.error("VG {} goes offline: {}", vg.name(), e.getMessage());
            manager.takeOffline(vg.name(), e.getMessage());
            inStep(activator, vg, vg.withLvs(List.of()), lv -> false);
            return;
        }
        LOG.error("VG {}: {}; PV recorded missing, reloading the LVs on it", vg.name(), why);
        inStep(activator, vg, after, lv -> uses(lv, pv));
    }

    /**
     * Brings the active LVs of {@code before} in step with {@code after}: visible LVs and mirrored logs (or logs that
     * were mirrored) that changed (or for which {@code reload} says so) are reloaded, a failure logged; LVs that are
     * gone are deactivated, hidden ones last (they may be stacked on).
     */
    static void inStep(Activator activator, VolumeGroup before, VolumeGroup after, Predicate<LogicalVolume> reload) {
        String vg = before.name();
        List<LogicalVolume> gone = new ArrayList<>();
        for (LogicalVolume lv : before.lvs()) {
            LogicalVolume now = after.lv(lv.name()).orElse(null);
            if (now == null) {
                gone.add(lv);
            } else if ((!now.hidden() || now.mirrored() || lv.mirrored()) && activator.isActive(vg, lv.name())
                    && (!now.equals(lv) || reload.test(lv))) {
                try {
                    activator.reload(after, now);
                } catch (VolumeException e) {
                    LOG.error("VG {}: could not reload {}: {}", vg, lv.name(), e.getMessage());
                }
            }
        }
        gone.sort(Comparator.comparing(LogicalVolume::hidden));
        gone.forEach(lv -> activator.deactivate(vg, lv.name(), true));
    }

    /** True if {@code lv} has an area on PV {@code pv}. */
    static boolean uses(LogicalVolume lv, UUID pv) {
        return lv.segments().stream().anyMatch(s -> s.areas().stream().anyMatch(a -> pv.equals(a.pv())));
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
