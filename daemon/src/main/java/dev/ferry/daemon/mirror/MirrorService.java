package dev.ferry.daemon.mirror;

import dev.ferry.daemon.model.Area;
import dev.ferry.daemon.model.ErrorCode;
import dev.ferry.daemon.model.FreeSpaceMap;
import dev.ferry.daemon.model.KnownPvs;
import dev.ferry.daemon.model.LogicalVolume;
import dev.ferry.daemon.model.MirrorLayout;
import dev.ferry.daemon.model.PhysicalVolume;
import dev.ferry.daemon.model.Segment;
import dev.ferry.daemon.model.VolumeException;
import dev.ferry.daemon.model.VolumeGroup;
import dev.ferry.daemon.operations.VolumeService;
import dev.ferry.mapper.mirror.MirrorTarget;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import java.util.function.UnaryOperator;
import java.util.stream.LongStream;

/**
 * AIX's mirror verbs on mirrored LVs ({@code ../shared/reference/lvm.md} §5): {@code migratepp} moves one copy of a
 * logical extent by extending, resyncing and reducing (reducing first when the extent has three copies), and the
 * resync verbs copy a good copy onto the stale copies (with force onto all). Every step is one commit followed by a
 * reload of the LV, so the metadata always describes the disks and every extent keeps a good copy; the live mirror
 * does the copying. The resync verbs run as background jobs ({@link #resyncs}). One verb or resync at a time runs on
 * an LV (others get INRESYNC).
 */
public final class MirrorService implements AutoCloseable {
    private final VolumeService volumes;
    private final Duration deadline;
    private final LvClaims claims = new LvClaims();
    private final ResyncJobs resyncs;

    /**
     * Verbs over {@code volumes}: migratepp waits at most {@code deadline} for its resync, a resync job gives up on
     * copies that made no progress for {@code deadline}; {@code nanoClock} times the jobs.
     */
    public MirrorService(VolumeService volumes, Duration deadline, LongSupplier nanoClock) {
        this.volumes = volumes;
        this.deadline = deadline;
        this.resyncs = new ResyncJobs(volumes, claims, deadline, nanoClock);
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
        claims.claim(vgName, List.of(m.lv()));
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
            claims.release(vgName, List.of(m.lv()));
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
        if (mirror == null || LiveCopies.stale(mirror, leg, m.le(), vg.extentSize())) {
            return false;   // deactivated meanwhile, or not synced: the fresh copy stays stale
        }
        volumes.change(m.vg(), v -> v.withLvChanged(m.lv(), lv -> markGood(lv, m.le(), m.fresh())), v -> { });
        return true;
    }

    private static LogicalVolume markGood(LogicalVolume lv, long le, Area copy) {
        int leg = LeCopies.indexOf(LeCopies.of(lv, le), copy.pv(), copy.startPe());
        return leg < 0 ? lv : MirrorLayout.withStale(lv, leg, le, le + 1, false);
    }

    /**
     * resynclp: starts resyncing LE {@code le} of {@code lvName}: its stale copies, or with {@code force} every copy
     * but its first good one. The job ends SUCCEEDED, or NOTSYNCED naming the copies left stale.
     *
     * @return the job as it starts
     * @throws VolumeException OFFLINE, INVALID_ARGUMENT, or INRESYNC while another verb or resync runs on the LV
     */
    public ResyncProgress resynclp(String vgName, String lvName, long le, boolean force) {
        LogicalVolume lv = mirrored(available(vgName), lvName);
        if (le < 0 || le >= lv.extentCount()) {
            throw invalid("LV " + lvName + " has no LE " + le + " (it has " + lv.extentCount() + ")");
        }
        return start(new ResyncRequest(vgName, lvName, le, null, force), Map.of(lvName, List.of(le)));
    }

    /** resynclv: starts resyncing every logical extent of {@code lvName} (see {@link #resynclp}). */
    public ResyncProgress resynclv(String vgName, String lvName, boolean force) {
        LogicalVolume lv = mirrored(available(vgName), lvName);
        return start(new ResyncRequest(vgName, lvName, null, null, force),
                Map.of(lvName, LongStream.range(0, lv.extentCount()).boxed().toList()));
    }

    /**
     * resyncpv: starts resyncing every logical extent with a copy on PV {@code pvName}, all its copies (see
     * {@link #resynclp}).
     */
    public ResyncProgress resyncpv(String vgName, String pvName, boolean force) {
        VolumeGroup vg = available(vgName);
        PhysicalVolume named = pv(vg, pvName);
        UUID pv = named.uuid();
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
        return start(new ResyncRequest(vgName, null, null, named.name(), force), les);
    }

    /** Starts a resync job once every LV of {@code les} is active (OFFLINE otherwise). */
    private ResyncProgress start(ResyncRequest request, Map<String, List<Long>> les) {
        les.keySet().forEach(lv -> Online.mirror(volumes, request.vg(), lv));
        return resyncs.start(request, les);
    }

    /** The resyncs running and the last ones finished, oldest first. */
    public List<ResyncProgress> resyncs() {
        return resyncs.resyncs();
    }

    /**
     * Resync {@code id} as it stands.
     *
     * @throws VolumeException RESYNC_NOT_FOUND if no kept resync has that id
     */
    public ResyncProgress resync(long id) {
        return resyncs.resyncs().stream().filter(p -> p.id() == id).findFirst().orElseThrow(() ->
                new VolumeException(ErrorCode.RESYNC_NOT_FOUND, "no resync " + id + " (the last "
                        + ResyncJobs.KEEP_FINISHED + " finished ones are kept)"));
    }

    /** The end of resync {@code id}, or empty if it is not kept (for tests). */
    Optional<CompletableFuture<ResyncProgress>> resyncEnd(long id) {
        return resyncs.done(id);
    }

    /** Stops the running resyncs (their copies not yet synced stay stale) and waits for them. */
    @Override
    public void close() throws InterruptedException {
        resyncs.close();
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

    /** The live mirror of active LV {@code lv}; OFFLINE when the LV is not active. */
    private MirrorTarget live(VolumeGroup vg, String lv) {
        return Online.mirror(volumes, vg.name(), lv);
    }

    private VolumeGroup available(String vgName) {
        return Online.vg(volumes, vgName);
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
