package dev.ferry.daemon.mirror;

import dev.ferry.daemon.model.ErrorCode;
import dev.ferry.daemon.model.LogicalVolume;
import dev.ferry.daemon.model.LvFlag;
import dev.ferry.daemon.model.MirrorResync;
import dev.ferry.daemon.model.PhysicalVolume;
import dev.ferry.daemon.model.VolumeGroup;
import dev.ferry.daemon.operations.VolumeService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.LongSupplier;

/**
 * Resyncs chosen logical extents of mirrored LVs. Started fresh, it first commits, in one commit, a record of the
 * resync ({@link MirrorResync}) on every chosen LV that has copies to rewrite, with force marking every copy but the
 * first good one of the chosen LEs stale in that same commit, and reloads those LVs, so their live mirrors copy a
 * good copy onto the stale ones, all at once, each under its LV's recovery rate. Resumed at a daemon start, it takes
 * the records as they stand (the activation has started the copying). Then it follows the LVs one after the other
 * until their copies are in sync, until recovery ends with some stale, or until they made no progress for the stall
 * deadline, and for each LV commits the synced copies good and its record gone (a whole forced LV in sync also loses
 * {@link LvFlag#COPIES_MAY_DIFFER}).
 */
final class ResyncJob extends MirrorJob {
    private final Map<String, List<Long>> les;
    private final Map<String, Part> recorded = new TreeMap<>();
    private final List<String> notSynced = new ArrayList<>();
    private final List<String> reasons = new ArrayList<>();

    /**
     * Job {@code id} resyncing LEs {@code les} (by LV) of {@code request}'s VG; a fresh one ({@code resumed} false)
     * commits its records and marks here, so a failure to do so refuses the request.
     */
    ResyncJob(long id, ResyncRequest request, Map<String, List<Long>> les, boolean resumed, VolumeService volumes,
            Duration stall, LongSupplier nanoClock, Runnable release) {
        super(id, request, resumed, volumes, stall, nanoClock, release);
        this.les = new TreeMap<>(les);
        VolumeGroup vg = resumed ? Online.vg(volumes, request.vg()) : record();
        this.les.forEach((name, chosen) -> vg.lv(name).filter(MirrorJob::hasRecord).ifPresent(lv -> {
            Part p = new Part(name, StaleMarks.staleCopies(lv, chosen), vg.extentSize());
            recorded.put(name, p);
            track(p);
        }));
    }

    /**
     * Commits the records (and with force the stale marks) of the LVs with copies to rewrite, reloading them; no
     * commit when there is nothing to rewrite.
     *
     * @return the VG as committed
     */
    private VolumeGroup record() {
        VolumeGroup now = Online.vg(volumes, request().vg());
        UUID pv = request().pv() == null ? null
                : now.pvByName(request().pv()).map(PhysicalVolume::uuid).orElse(null);
        if (les.entrySet().stream().allMatch(e -> recorded(now.requireLv(e.getKey()), e.getValue(), pv) == null)) {
            return now;
        }
        return volumes.change(request().vg(), vg -> {
            VolumeGroup out = vg;
            for (Map.Entry<String, List<Long>> e : les.entrySet()) {
                out = out.withLvChanged(e.getKey(), lv -> {
                    LogicalVolume r = recorded(lv, e.getValue(), pv);
                    return r == null ? lv : r;
                });
            }
            return out;
        }, vg -> les.keySet().stream().map(vg::requireLv).filter(MirrorJob::hasRecord)
                .forEach(lv -> volumes.activator().reload(vg, lv)));
    }

    /** {@code lv} marked (with force) and carrying the record of this resync, or null if it has nothing to rewrite. */
    private LogicalVolume recorded(LogicalVolume lv, List<Long> chosen, UUID pv) {
        LogicalVolume marked = request().force() ? StaleMarks.allButFirstGood(lv, chosen) : lv;
        if (StaleMarks.staleCopies(marked, chosen).isEmpty()) {
            return null;
        }
        return marked.withMirror(marked.mirror().withResync(new MirrorResync(request().verb(), pv, request().force(),
                MirrorResync.runs(chosen), null)));
    }

    @Override
    protected Collection<String> recordedLvs() {
        return recorded.keySet();
    }

    @Override
    protected void work() {
        les.forEach((name, chosen) -> {
            checkStop();
            Part p = recorded.get(name);
            if (p != null) {
                resync(p, chosen);
            }
        });
        if (notSynced.isEmpty()) {
            end(ResyncState.SUCCEEDED, null, null);
        } else {
            end(ResyncState.NOTSYNCED, new ResyncProgress.Error(ErrorCode.NOTSYNCED, "could not resync "
                    + String.join(", ", notSynced) + " (" + String.join("; ", reasons) + "); those copies stay stale"),
                    null);
        }
    }

    /** Waits for {@code p}'s copies, then commits those synced good and the LV's record gone. */
    private void resync(Part p, List<Long> chosen) {
        String reason = p.copies().isEmpty() ? null : await(p);
        List<StaleMarks.Copy> left = stillStale(p);
        VolumeGroup vg = volumes.change(request().vg(), v -> v.withLvChanged(p.lv(), l -> {
            LogicalVolume healed = StaleMarks.good(withoutRecord(l), p.copies(), left);
            boolean wholeForced = request().force() && left.isEmpty() && chosen.size() == l.extentCount();
            return wholeForced ? StaleMarks.withoutFlag(healed, LvFlag.COPIES_MAY_DIFFER) : healed;
        }), v -> { });
        finished(p, left, vg);
        left.forEach(c -> notSynced.add(p.lv() + " LE " + c.le() + " (copy " + c.leg() + ")"));
        if (!left.isEmpty()) {
            reasons.add(p.lv() + ": " + reason);
        }
    }
}
