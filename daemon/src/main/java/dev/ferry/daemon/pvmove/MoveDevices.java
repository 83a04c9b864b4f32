package dev.ferry.daemon.pvmove;

import dev.ferry.daemon.activation.ActivationErrors;
import dev.ferry.daemon.activation.Activator;
import dev.ferry.daemon.activation.RegionLogSlices;
import dev.ferry.daemon.model.LogicalVolume;
import dev.ferry.daemon.model.MoveState;
import dev.ferry.daemon.model.PhysicalVolume;
import dev.ferry.daemon.model.Segment;
import dev.ferry.daemon.model.VolumeGroup;
import dev.ferry.daemon.operations.VolumeService;
import dev.ferry.mapper.device.MappedDevice;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * The device steps of one pvmove job: zeroing region-log slices before segments start, finding a missing destination,
 * and ending the move (the commit that points the LVs at their data, their reloads, the removal of the pvmove and log
 * devices); plus the segment-list helpers the job's commits use.
 */
final class MoveDevices {
    private static final Duration DEVICE_STEP_LIMIT = Duration.ofSeconds(60);

    private final VolumeService service;
    private final String vgName;
    private final String name;
    private final String logLv;

    MoveDevices(VolumeService service, String vgName, String name, String logLv) {
        this.service = service;
        this.vgName = vgName;
        this.name = name;
        this.logLv = logLv;
    }

    /** Zeroes the log slices of segments {@code indices} of the pvmove LV in {@code vg} (before they run). */
    void zeroLogs(VolumeGroup vg, List<Integer> indices) {
        if (indices.isEmpty()) {
            return;
        }
        LogicalVolume lv = vg.lv(name).orElseThrow();
        long slice = RegionLogSlices.sliceBytes(vg.extentSize(), lv);
        MappedDevice log = service.activator().device(vgName, logLv).orElseThrow(() -> new IllegalStateException(
                "log LV " + logLv + " is not active"));
        for (int i : indices) {
            await(log.writeZeroes(i * slice, slice, false), "zeroing log slice " + i);
        }
        await(log.flush(), "flushing the log of " + name);
    }

    /**
     * Ends the move in the metadata (COMPLETED segments on the destination if {@code keepCompleted}, the rest on the
     * source), then switches the LVs and removes the pvmove devices; returns the committed VG.
     */
    VolumeGroup detach(boolean keepCompleted) {
        List<String> moved = new ArrayList<>();
        return service.change(vgName, v -> {
            moved.addAll(v.lvs().stream().filter(l -> l.segments().stream().anyMatch(s -> s.areas().stream()
                    .anyMatch(a -> name.equals(a.lv())))).map(LogicalVolume::name).toList());
            return PvMoveResolver.detach(v, name, keepCompleted);
        }, vg -> {
            Activator act = service.activator();
            for (String m : moved) {
                act.reload(vg, vg.requireLv(m));
            }
            await(act.deactivate(vgName, name, true), "removing the device of " + name);
            await(act.deactivate(vgName, logLv, true), "removing the device of " + logLv);
        });
    }

    /** The name of a missing destination PV of segments {@code indices} of the pvmove LV in {@code vg}, or null. */
    String missingDestination(VolumeGroup vg, List<Integer> indices) {
        Set<UUID> present = service.manager().presentPvs();
        for (UUID pv : destinations(vg.requireLv(name), indices)) {
            PhysicalVolume dst = vg.pv(pv).orElse(null);
            if (dst == null || dst.missing() || !present.contains(pv)) {
                return dst == null ? pv.toString() : dst.name();
            }
        }
        return null;
    }

    /** The destination PVs of segments {@code indices} of pvmove LV {@code pvmove}, in segment order. */
    static Set<UUID> destinations(LogicalVolume pvmove, List<Integer> indices) {
        Set<UUID> out = new LinkedHashSet<>();
        indices.forEach(i -> out.add(pvmove.segments().get(i).areas().get(1).pv()));
        return out;
    }

    /** {@code lv} with segments {@code indices} in state {@code to}. */
    static LogicalVolume withStates(LogicalVolume lv, List<Integer> indices, MoveState to) {
        List<Segment> segs = new ArrayList<>(lv.segments());
        indices.forEach(i -> segs.set(i, segs.get(i).withMoveState(to)));
        return lv.withSegments(segs);
    }

    /** The indices of the segments in state {@code s}. */
    static List<Integer> indices(List<Segment> segs, MoveState s) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < segs.size(); i++) {
            if (segs.get(i).moveState() == s) {
                out.add(i);
            }
        }
        return out;
    }

    private static void await(CompletableFuture<?> step, String what) {
        ActivationErrors.awaitWithin(DEVICE_STEP_LIMIT, step, what);
    }
}
