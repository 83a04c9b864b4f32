package dev.ferry.daemon.mirror;

import dev.ferry.daemon.model.Area;
import dev.ferry.daemon.model.ErrorCode;
import dev.ferry.daemon.model.FreeSpaceMap;
import dev.ferry.daemon.model.KnownPvs;
import dev.ferry.daemon.model.LogicalVolume;
import dev.ferry.daemon.model.LvFlag;
import dev.ferry.daemon.model.MirrorResync;
import dev.ferry.daemon.model.PhysicalVolume;
import dev.ferry.daemon.model.Segment;
import dev.ferry.daemon.model.VolumeException;
import dev.ferry.daemon.model.VolumeGroup;
import dev.ferry.daemon.operations.MirrorJobGuard;
import dev.ferry.daemon.operations.VolumeService;
import dev.ferry.mapper.mirror.MirrorTarget;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import java.util.stream.LongStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * AIX's mirror verbs on mirrored LVs ({@code ../shared/reference/lvm.md} §5): {@code migratepp} moves one copy of a
 * logical extent by extending, resyncing and reducing (reducing first when the extent has three copies), and the
 * resync verbs copy a good copy onto the stale copies (with force onto all). Each runs as a background job
 * ({@link #resyncs}) once its request has been checked; every step is one commit followed by a reload of the LV, so
 * the metadata always describes the disks and every extent keeps a good copy; the live mirror does the copying. A job
 * is recorded in the metadata of its LVs while it runs, and {@link #resumeAll} resumes it after a restart. One verb
 * or resync at a time runs on an LV (others get INRESYNC).
 */
public final class MirrorService implements AutoCloseable {
    /**
     * A test-only fault point: a job whose step named by this system property (a migratepp's {@code reduce} or
     * {@code extend}) has been committed waits there until the daemon stops, so that a test stops or kills the daemon
     * in exactly that state. Unset in production.
     */
    public static final String HALT_PROPERTY = "ferry.test.mirror-job.halt-after";
    private static final Logger LOG = LoggerFactory.getLogger(MirrorService.class);
    private final VolumeService volumes;
    private final Duration stall;
    private final LongSupplier nanoClock;
    private final LvClaims claims = new LvClaims();
    private final ResyncJobs resyncs = new ResyncJobs(claims);

    /**
     * Verbs over {@code volumes}: a job gives up on copies that made no progress for {@code stall}; {@code nanoClock}
     * times the jobs. From now on the operations that change an LV's copies, extents, name or existence
     * ({@link MirrorJobGuard}) are refused with INRESYNC while a job runs on it, and a job is refused while such an
     * operation runs.
     */
    public MirrorService(VolumeService volumes, Duration stall, LongSupplier nanoClock) {
        this.volumes = volumes;
        this.stall = stall;
        this.nanoClock = nanoClock;
        volumes.guardMirrorJobs((vg, lv, operation) -> {
            LvClaims.Conflict job = claims.tryClaim(vg, List.of(lv), operation);
            if (job != null) {
                throw MirrorJobGuard.refusal(vg, lv, job.holder() + " runs on it", operation);
            }
            return () -> claims.release(vg, List.of(lv));
        });
    }

    /**
     * migratepp: checks the move of the copy of a logical extent at {@code srcPv:srcPe} to {@code dstPv:dstPe} and
     * starts it as a job ({@link MigrateJob}), which ends SUCCEEDED (outcome SUCCESS, or RESYNC_FAILED as a warning
     * when the new copy could not be synced and is stale) or FAILED with MIGRATE_FAIL (the LV is as before), LOSTPP
     * (the old copy is gone and the new one could not be made) or the extend's error.
     *
     * @return the job as it starts
     * @throws VolumeException INVALID_ARGUMENT, OFFLINE, INRESYNC or INVLPRED, before any change
     */
    public ResyncProgress migratepp(String vgName, String srcPv, long srcPe, String dstPv, long dstPe) {
        VolumeGroup vg = available(vgName);
        PhysicalVolume src = pe(vg, srcPv, srcPe);
        PhysicalVolume dst = pe(vg, dstPv, dstPe);
        if (src.uuid().equals(dst.uuid()) && srcPe == dstPe) {
            throw invalid("source and destination are the same PE " + src.name() + ":" + srcPe);
        }
        Located m = locate(vg, src, srcPe);
        if (!FreeSpaceMap.of(vg).isFree(dst.uuid(), dstPe, 1)) {
            throw invalid("destination PE " + dst.name() + ":" + dstPe + " is not free");
        }
        List<Area> copies = LeCopies.of(vg.requireLv(m.lv()), m.le());
        if (copies.stream().anyMatch(a -> dst.uuid().equals(a.pv()))) {
            throw invalid("PV " + dst.name() + " already holds a copy of LE " + m.le() + " of " + m.lv());
        }
        boolean reduce = copies.size() < Segment.MAX_MIRROR_LEGS;
        MirrorResync.Move move = new MirrorResync.Move(m.le(), new Area(src.uuid(), srcPe),
                new Area(dst.uuid(), dstPe), reduce);
        ResyncRequest request = ResyncRequest.migratepp(vgName, m.lv(), m.le(), src.name() + ":" + srcPe,
                dst.name() + ":" + dstPe);
        return resyncs.start(vgName, List.of(m.lv()), request.verb(), (id, release) -> {   // claimed: unchanged now
            LogicalVolume claimed = unlocked(available(vgName), m.lv());
            if (!claimed.mirrored()) {
                throw invalid("LV " + m.lv() + " was converted to linear meanwhile");
            }
            List<Area> now = LeCopies.of(claimed, m.le());
            MirrorTarget mirror = live(vg, m.lv());
            if (mirror != null && LiveCopies.anyStale(mirror, now.size(), m.le(), vg.extentSize())) {
                throw new VolumeException(ErrorCode.INRESYNC, "LE " + m.le() + " of " + vgName + "/" + m.lv()
                        + " has stale copies being resynced; migrate it once they are in sync");
            }
            if (!reduce && LeCopies.onlyGood(now, LeCopies.indexOf(now, src.uuid(), srcPe))) {
                throw new VolumeException(ErrorCode.INVLPRED, "the copy of LE " + m.le() + " of " + m.lv()
                        + " being moved is its only good copy; resync the extent first");
            }
            return new MigrateJob(id, request, m.lv(), move, false, volumes, stall, nanoClock, release);
        });
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
        return resyncs.start(request.vg(), les.keySet(), request.verb(), (id, release) -> {
            VolumeGroup claimed = available(request.vg());
            les.keySet().forEach(lv -> unlocked(claimed, lv));
            return new ResyncJob(id, request, les, false, volumes, stall, nanoClock, release);
        });
    }

    /**
     * Resumes the jobs recorded in the metadata (daemon start): a migratepp per record, a resync per request (the LVs
     * of one resyncpv together). A job that cannot start is logged and its record left for the next start.
     *
     * @return the jobs as they start
     */
    public List<ResyncProgress> resumeAll() {
        List<ResyncProgress> out = new ArrayList<>();
        for (VolumeGroup vg : volumes.manager().volumeGroups()) {
            Map<ResyncRequest, Map<String, List<Long>>> requests = new LinkedHashMap<>();
            for (LogicalVolume lv : vg.lvs()) {
                MirrorResync r = lv.mirrored() ? lv.mirror().resync() : null;
                if (r != null && r.move() != null) {
                    resume(vg, List.of(lv.name()), "migratepp", out, (id, release) -> new MigrateJob(id,
                            moveRequest(vg, lv, r), lv.name(), r.move(), true, volumes, stall, nanoClock, release));
                } else if (r != null) {
                    requests.computeIfAbsent(resyncRequest(vg, lv, r), q -> new TreeMap<>()).put(lv.name(), r.les());
                }
            }
            requests.forEach((q, les) -> resume(vg, les.keySet(), q.verb(), out, (id, release) -> new ResyncJob(id, q,
                    les, true, volumes, stall, nanoClock, release)));
        }
        return out;
    }

    private void resume(VolumeGroup vg, Collection<String> lvs, String verb, List<ResyncProgress> out,
            ResyncJobs.Factory job) {
        try {
            out.add(resyncs.start(vg.name(), lvs, verb, job));
        } catch (VolumeException e) {
            LOG.warn("cannot resume the mirror job of {}/{}: {}", vg.name(), lvs, e.getMessage());
        }
    }

    /** The request a resync record stands for. */
    private static ResyncRequest resyncRequest(VolumeGroup vg, LogicalVolume lv, MirrorResync r) {
        return switch (r.verb()) {
            case "resyncpv" -> new ResyncRequest(vg.name(), null, null, pvName(vg, r.pv()), r.force());
            case "resynclp" -> new ResyncRequest(vg.name(), lv.name(), r.les().get(0), null, r.force());
            default -> new ResyncRequest(vg.name(), lv.name(), null, null, r.force());
        };
    }

    private static ResyncRequest moveRequest(VolumeGroup vg, LogicalVolume lv, MirrorResync r) {
        MirrorResync.Move m = r.move();
        return ResyncRequest.migratepp(vg.name(), lv.name(), m.le(),
                pvName(vg, m.source().pv()) + ":" + m.source().startPe(),
                pvName(vg, m.destination().pv()) + ":" + m.destination().startPe());
    }

    private static String pvName(VolumeGroup vg, UUID pv) {
        return vg.pv(pv).map(PhysicalVolume::name).orElse(pv.toString());
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

    /** The logical extent {@code le} of LV {@code lv}. */
    private record Located(String lv, long le) {
    }

    /** The LE whose copy is at {@code src:pe}. */
    private static Located locate(VolumeGroup vg, PhysicalVolume src, long pe) {
        for (LogicalVolume lv : vg.lvs()) {
            for (Segment s : lv.segments()) {
                for (Area a : s.areas()) {
                    if (src.uuid().equals(a.pv()) && a.startPe() <= pe && pe < a.startPe() + s.areaLength()) {
                        if (!lv.mirrored()) {
                            throw invalid("PE " + src.name() + ":" + pe + " belongs to " + lv.name() + ", which is "
                                    + "not mirrored (convert it with lvconvert -m first)");
                        }
                        return new Located(lv.name(), s.startLe() + pe - a.startPe());
                    }
                }
            }
        }
        throw invalid("PE " + src.name() + ":" + pe + " is not allocated");
    }

    /** The live mirror of active LV {@code lv}; OFFLINE when the LV is not active. */
    private MirrorTarget live(VolumeGroup vg, String lv) {
        return Online.mirror(volumes, vg.name(), lv);
    }

    private VolumeGroup available(String vgName) {
        return Online.vg(volumes, vgName);
    }

    /**
     * LV {@code lvName} of {@code vg}, once claimed: LV_LOCKED while a pvmove moves its extents (the job would name
     * copies by places the move changes).
     */
    private static LogicalVolume unlocked(VolumeGroup vg, String lvName) {
        LogicalVolume lv = vg.requireLv(lvName);
        if (lv.has(LvFlag.LOCKED)) {
            throw new VolumeException(ErrorCode.LV_LOCKED, "Logical volume " + vg.name() + "/" + lvName + " is being "
                    + "moved by pvmove; resync or migrate it once the move has ended");
        }
        return lv;
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
