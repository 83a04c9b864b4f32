package dev.ferry.daemon.mirror;

import dev.ferry.daemon.activation.Activator;
import dev.ferry.daemon.model.Area;
import dev.ferry.daemon.model.ErrorCode;
import dev.ferry.daemon.model.FreeSpaceMap;
import dev.ferry.daemon.model.KnownPvs;
import dev.ferry.daemon.model.LogicalVolume;
import dev.ferry.daemon.model.LvFlag;
import dev.ferry.daemon.model.MirrorLayout;
import dev.ferry.daemon.model.PhysicalVolume;
import dev.ferry.daemon.model.Segment;
import dev.ferry.daemon.model.VolumeException;
import dev.ferry.daemon.model.VolumeGroup;
import dev.ferry.daemon.operations.VolumeService;
import dev.ferry.mapper.mirror.MirrorTarget;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import java.util.stream.LongStream;

/**
 * AIX's mirror verbs on mirrored LVs ({@code ../shared/reference/lvm.md} §5): {@code migratepp} moves one copy of a
 * logical extent by extending, resyncing and reducing (reducing first when the extent has three copies), and the
 * resync verbs copy a good copy onto the stale copies (with force onto all). Every step is one commit followed by a
 * reload of the LV, so the metadata always describes the disks and every extent keeps a good copy; the live mirror
 * does the copying. One verb at a time runs on an LV (others get INRESYNC).
 */
public final class MirrorService {
    private final VolumeService volumes;
    private final Duration deadline;
    private final Set<String> busy = ConcurrentHashMap.newKeySet();

    /** Verbs over {@code volumes}, waiting at most {@code deadline} for each resync. */
    public MirrorService(VolumeService volumes, Duration deadline) {
        this.volumes = volumes;
        this.deadline = deadline;
    }

    /** One copy move: LE {@code le} of {@code lv}, its copy {@code old} going to {@code fresh} (stale until synced). */
    private record Move(String vg, String lv, long le, Area old, Area fresh) {
    }

    /**
     * migratepp: moves the copy of a logical extent at {@code srcPv:srcPe} to {@code dstPv:dstPe}.
     *
     * @return the move, with RESYNC_FAILED as a warning when the new copy could not be synced (it is stale)
     * @throws VolumeException INVALID_ARGUMENT, OFFLINE, INRESYNC, INVLPRED, MIGRATE_FAIL (the LV is as before),
     *                         LOSTPP (the old copy is gone and the new one could not be made), or the extend's error
     */
    public MigrateResult migratepp(String vgName, String srcPv, long srcPe, String dstPv, long dstPe) {
        VolumeGroup vg = available(vgName);
        PhysicalVolume src = pe(vg, srcPv, srcPe);
        PhysicalVolume dst = pe(vg, dstPv, dstPe);
        if (src.uuid().equals(dst.uuid()) && srcPe == dstPe) {
            throw invalid("source and destination are the same PE " + src.name() + ":" + srcPe);
        }
        Move m = locate(vg, src, srcPe, new Area(dst.uuid(), dstPe, null, true));
        if (!FreeSpaceMap.of(vg).isFree(dst.uuid(), dstPe, 1)) {
            throw invalid("destination PE " + dst.name() + ":" + dstPe + " is not free");
        }
        if (LeCopies.of(vg.requireLv(m.lv()), m.le()).stream().anyMatch(a -> dst.uuid().equals(a.pv()))) {
            throw invalid("PV " + dst.name() + " already holds a copy of LE " + m.le() + " of " + m.lv());
        }
        claim(vgName, m.lv());
        try {
            MirrorTarget mirror = live(vg, m.lv());
            int copies = LeCopies.of(vg.requireLv(m.lv()), m.le()).size();
            if (mirror != null && LiveCopies.anyStale(mirror, copies, m.le(), vg.extentSize())) {
                throw new VolumeException(ErrorCode.INRESYNC, "LE " + m.le() + " of " + vgName + "/" + m.lv()
                        + " has stale copies being resynced; migrate it once they are in sync");
            }
            ErrorCode warning = copies < Segment.MAX_MIRROR_LEGS ? extendFirst(m) : reduceFirst(m);
            return new MigrateResult(vgName, m.lv(), m.le(), src.name() + ":" + srcPe, dst.name() + ":" + dstPe,
                    copies(m).size(), warning);
        } finally {
            busy.remove(vgName + "/" + m.lv());
        }
    }

    /** One or two copies: extend, resync, reduce; a failed resync backs out if the old copy is the only good one. */
    private ErrorCode extendFirst(Move m) {
        extend(m);
        if (resynced(m)) {
            commit(m, lv -> LeCopies.withRemoved(lv, m.le(), m.old().pv(), m.old().startPe()));
            return null;
        }
        List<Area> copies = copies(m);
        if (LeCopies.onlyGood(copies, LeCopies.indexOf(copies, m.old().pv(), m.old().startPe()))) {
            commit(m, lv -> LeCopies.withRemoved(lv, m.le(), m.fresh().pv(), m.fresh().startPe()));
            throw new VolumeException(ErrorCode.MIGRATE_FAIL, "the new copy of LE " + m.le() + " of " + m.lv()
                    + " could not be synced and the old copy is its only good one: backed out, the LV is as before");
        }
        commit(m, lv -> LeCopies.withRemoved(lv, m.le(), m.old().pv(), m.old().startPe()));
        return ErrorCode.RESYNC_FAILED;
    }

    /** Three copies: reduce, extend (re-adding the old copy, stale, if that fails), resync. */
    private ErrorCode reduceFirst(Move m) {
        List<Area> copies = copies(m);
        if (LeCopies.onlyGood(copies, LeCopies.indexOf(copies, m.old().pv(), m.old().startPe()))) {
            throw new VolumeException(ErrorCode.INVLPRED, "the copy of LE " + m.le() + " of " + m.lv()
                    + " being moved is its only good copy; resync the extent first");
        }
        commit(m, lv -> LeCopies.withRemoved(lv, m.le(), m.old().pv(), m.old().startPe()));
        try {
            extend(m);
        } catch (VolumeException e) {
            Move back = new Move(m.vg(), m.lv(), m.le(), null, m.old().withStale(true));
            try {
                extend(back);
            } catch (VolumeException lost) {
                throw new VolumeException(ErrorCode.LOSTPP, "LE " + m.le() + " of " + m.lv() + ": the new copy "
                        + "failed (" + e.getMessage() + ") and the old copy could not be re-added ("
                        + lost.getMessage() + "); the extent has one copy fewer", e);
            }
            throw new VolumeException(ErrorCode.MIGRATE_FAIL, "LE " + m.le() + " of " + m.lv() + ": the new copy "
                    + "failed (" + e.getMessage() + "); the old copy is back, stale until resynced", e);
        }
        return resynced(m) ? null : ErrorCode.RESYNC_FAILED;
    }

    /**
     * Adds {@code m}'s fresh copy (stale) if its PE is still free at commit time; if the commit or reload fails, it
     * is taken out again and the error thrown.
     */
    private void extend(Move m) {
        Area fresh = m.fresh();
        try {
            volumes.change(m.vg(), vg -> {
                if (!FreeSpaceMap.of(vg).isFree(fresh.pv(), fresh.startPe(), 1)) {
                    throw invalid("destination PE " + fresh.startPe() + " was allocated meanwhile");
                }
                return vg.withLvChanged(m.lv(), lv -> LeCopies.withAdded(lv, m.le(), fresh));
            }, vg -> volumes.activator().reload(vg, vg.requireLv(m.lv())));
        } catch (VolumeException e) {
            if (LeCopies.indexOf(copies(m), m.fresh().pv(), m.fresh().startPe()) >= 0) {
                commit(m, lv -> LeCopies.withRemoved(lv, m.le(), m.fresh().pv(), m.fresh().startPe()));
            }
            throw e;
        }
    }

    /** Waits for the live mirror to sync the fresh copy; if it did, marks it good. */
    private boolean resynced(Move m) {
        VolumeGroup vg = available(m.vg());
        int leg = LeCopies.indexOf(copies(m), m.fresh().pv(), m.fresh().startPe());
        MirrorTarget mirror = LiveCopies.awaitRecovery(() -> live(available(m.vg()), m.lv()), deadline);
        if (LiveCopies.stale(mirror, leg, m.le(), vg.extentSize())) {
            return false;
        }
        volumes.change(m.vg(), v -> v.withLvChanged(m.lv(), lv -> markGood(lv, m.le(), m.fresh())), v -> { });
        return true;
    }

    private static LogicalVolume markGood(LogicalVolume lv, long le, Area copy) {
        int leg = LeCopies.indexOf(LeCopies.of(lv, le), copy.pv(), copy.startPe());
        return leg < 0 ? lv : MirrorLayout.withStale(lv, leg, le, le + 1, false);
    }

    /**
     * resynclp: resyncs LE {@code le} of {@code lvName}: its stale copies, or with {@code force} every copy but its
     * first good one.
     *
     * @throws VolumeException OFFLINE, INVALID_ARGUMENT, INRESYNC, or NOTSYNCED naming the copies left stale
     */
    public ResyncResult resynclp(String vgName, String lvName, long le, boolean force) {
        LogicalVolume lv = mirrored(available(vgName), lvName);
        if (le < 0 || le >= lv.extentCount()) {
            throw invalid("LV " + lvName + " has no LE " + le + " (it has " + lv.extentCount() + ")");
        }
        return resync(vgName, Map.of(lvName, List.of(le)), force);
    }

    /** resynclv: resyncs every logical extent of {@code lvName} (see {@link #resynclp}). */
    public ResyncResult resynclv(String vgName, String lvName, boolean force) {
        LogicalVolume lv = mirrored(available(vgName), lvName);
        return resync(vgName, Map.of(lvName, LongStream.range(0, lv.extentCount()).boxed().toList()), force);
    }

    /** resyncpv: resyncs every logical extent with a copy on PV {@code pvName}, all its copies (see {@link #resynclp}). */
    public ResyncResult resyncpv(String vgName, String pvName, boolean force) {
        VolumeGroup vg = available(vgName);
        UUID pv = pv(vg, pvName).uuid();
        Map<String, List<Long>> les = new TreeMap<>();
        for (LogicalVolume lv : vg.lvs()) {
            if (lv.mirrored()) {
                List<Long> on = LongStream.range(0, lv.extentCount())
                        .filter(le -> LeCopies.of(lv, le).stream().anyMatch(a -> pv.equals(a.pv()))).boxed().toList();
                if (!on.isEmpty()) {
                    les.put(lv.name(), on);
                }
            }
        }
        return resync(vgName, les, force);
    }

    private ResyncResult resync(String vgName, Map<String, List<Long>> les, boolean force) {
        List<String> lvs = new ArrayList<>();
        Set<String> pvs = new TreeSet<>();
        List<String> notSynced = new ArrayList<>();
        long extents = 0;
        long rewritten = 0;
        for (Map.Entry<String, List<Long>> e : new TreeMap<>(les).entrySet()) {
            String lvName = e.getKey();
            claim(vgName, lvName);
            try {
                live(available(vgName), lvName);
                List<Long> chosen = e.getValue();
                UnaryOperator<LogicalVolume> mark = force ? l -> StaleMarks.allButFirstGood(l, chosen) : l -> l;
                VolumeGroup vg = volumes.change(vgName, v -> v.withLvChanged(lvName, mark), v -> { });
                List<StaleMarks.Copy> stale = StaleMarks.staleCopies(vg.requireLv(lvName), chosen);
                if (stale.isEmpty()) {
                    continue;
                }
                volumes.change(vgName, v -> v, v -> volumes.activator().reload(v, v.requireLv(lvName)));
                MirrorTarget mirror = LiveCopies.awaitRecovery(() -> live(available(vgName), lvName), deadline);
                List<StaleMarks.Copy> left = stale.stream().filter(c -> mirror == null
                        || LiveCopies.stale(mirror, c.leg(), c.le(), vg.extentSize())).toList();
                boolean wholeForced = force && left.isEmpty() && chosen.size() == vg.requireLv(lvName).extentCount();
                volumes.change(vgName, v -> v.withLvChanged(lvName, l -> {
                    LogicalVolume healed = StaleMarks.good(l, stale, left);
                    return wholeForced ? StaleMarks.withoutFlag(healed, LvFlag.COPIES_MAY_DIFFER) : healed;
                }), v -> { });
                lvs.add(lvName);
                stale.forEach(c -> pvs.add(vg.pv(c.pv()).map(PhysicalVolume::name).orElse(c.pv().toString())));
                extents += stale.stream().mapToLong(StaleMarks.Copy::le).distinct().count();
                rewritten += stale.size() - left.size();
                left.forEach(c -> notSynced.add(lvName + " LE " + c.le() + " (copy " + c.leg() + ")"));
            } finally {
                busy.remove(vgName + "/" + lvName);
            }
        }
        if (!notSynced.isEmpty()) {
            throw new VolumeException(ErrorCode.NOTSYNCED, "could not resync " + String.join(", ", notSynced)
                    + " within " + deadline.toSeconds() + "s; those copies stay stale");
        }
        return new ResyncResult(vgName, lvs, List.copyOf(pvs), extents, rewritten);
    }

    /** The LE whose copy is at {@code src:pe}, as a move of that copy to {@code fresh}. */
    private static Move locate(VolumeGroup vg, PhysicalVolume src, long pe, Area fresh) {
        for (LogicalVolume lv : vg.lvs()) {
            for (Segment s : lv.segments()) {
                for (Area a : s.areas()) {
                    if (src.uuid().equals(a.pv()) && a.startPe() <= pe && pe < a.startPe() + s.areaLength()) {
                        if (!lv.mirrored()) {
                            throw invalid("PE " + src.name() + ":" + pe + " belongs to " + lv.name() + ", which is "
                                    + "not mirrored (convert it with lvconvert -m first)");
                        }
                        return new Move(vg.name(), lv.name(), s.startLe() + pe - a.startPe(),
                                new Area(src.uuid(), pe, null, a.stale()), fresh);
                    }
                }
            }
        }
        throw invalid("PE " + src.name() + ":" + pe + " is not allocated");
    }

    private List<Area> copies(Move m) {
        return LeCopies.of(available(m.vg()).requireLv(m.lv()), m.le());
    }

    /** Commits {@code change} to {@code m}'s LV and reloads it. */
    private void commit(Move m, UnaryOperator<LogicalVolume> change) {
        volumes.change(m.vg(), vg -> vg.withLvChanged(m.lv(), change),
                vg -> volumes.activator().reload(vg, vg.requireLv(m.lv())));
    }

    private void claim(String vg, String lv) {
        if (!busy.add(vg + "/" + lv)) {
            throw new VolumeException(ErrorCode.INRESYNC, "another mirror verb runs on " + vg + "/" + lv);
        }
    }

    /** The live mirror of active LV {@code lv}; OFFLINE when the LV is not active. */
    private MirrorTarget live(VolumeGroup vg, String lv) {
        Activator activator = volumes.activator();
        if (!activator.isActive(vg.name(), lv)) {
            throw new VolumeException(ErrorCode.OFFLINE, "LV " + vg.name() + "/" + lv + " is not active, so its "
                    + "copies cannot be synced; activate it first");
        }
        return activator.mirrorOf(vg.name(), lv).orElse(null);
    }

    private VolumeGroup available(String vgName) {
        return volumes.manager().volumeGroup(vgName).orElseThrow(() -> new VolumeException(ErrorCode.OFFLINE,
                "volume group " + vgName + " is not available"));
    }

    private static LogicalVolume mirrored(VolumeGroup vg, String lvName) {
        LogicalVolume lv = vg.lv(lvName).orElseThrow(() -> invalid("no LV " + lvName + " in " + vg.name()));
        if (!lv.mirrored()) {
            throw invalid("LV " + lvName + " is not mirrored");
        }
        return lv;
    }

    private static PhysicalVolume pv(VolumeGroup vg, String name) {
        return vg.pvByName(KnownPvs.canonical(name))
                .orElseThrow(() -> invalid("PV " + name + " is not in volume group " + vg.name()));
    }

    private static PhysicalVolume pe(VolumeGroup vg, String pvName, long pe) {
        PhysicalVolume pv = pv(vg, pvName);
        if (pe < 0 || pe >= pv.peCount()) {
            throw invalid("PE " + pe + " is out of range for " + pv.name() + " (0-" + (pv.peCount() - 1) + ")");
        }
        return pv;
    }

    private static VolumeException invalid(String message) {
        return new VolumeException(ErrorCode.INVALID_ARGUMENT, message);
    }
}
