package dev.ferry.daemon.mirror;

import dev.ferry.daemon.model.Area;
import dev.ferry.daemon.model.ErrorCode;
import dev.ferry.daemon.model.FreeSpaceMap;
import dev.ferry.daemon.model.LogicalVolume;
import dev.ferry.daemon.model.MirrorLayout;
import dev.ferry.daemon.model.MirrorResync;
import dev.ferry.daemon.model.VolumeException;
import dev.ferry.daemon.model.VolumeGroup;
import dev.ferry.daemon.operations.VolumeService;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.function.UnaryOperator;

/**
 * migratepp as a job: moves the copy {@code move.source()} of one logical extent to {@code move.destination()}. With
 * one or two copies ({@code move.reduce()}): extend (the new copy added stale, with the job's record, in one commit),
 * resync, then one commit that marks the new copy good, drops the old one and the record; if the new copy could not
 * be synced, the old one is dropped anyway (RESYNC_FAILED, a warning) unless it is the extent's only good copy, in
 * which case the new one is backed out (MIGRATE_FAIL). With three copies the old copy goes first, in the commit that
 * records the job, then the extend and resync; a failed extend re-adds the old copy stale (MIGRATE_FAIL) or, if that
 * fails too, ends LOSTPP, the record kept until then. Every commit reloads the LV. A resumed job looks at the copies
 * the metadata has: with the new copy it goes on at the resync; without the new copy nor the old one (stopped between
 * the reduce and the extend) it does the extend; with the old copy and not the new one (the move was backed out) it
 * ends MIGRATE_FAIL, the LV as before.
 */
final class MigrateJob extends MirrorJob {
    private final String lv;
    private final MirrorResync.Move move;

    /** Job {@code id} doing {@code request}, the move {@code move} of a copy of LV {@code lv}. */
    MigrateJob(long id, ResyncRequest request, String lv, MirrorResync.Move move, boolean resumed,
            VolumeService volumes, Duration stall, LongSupplier nanoClock, Runnable release) {
        super(id, request, resumed, volumes, stall, nanoClock, release);
        this.lv = lv;
        this.move = move;
        expect(Online.vg(volumes, request.vg()).extentSize());
    }

    @Override
    protected Collection<String> recordedLvs() {
        return List.of(lv);
    }

    @Override
    protected void work() {
        if (!resumed()) {
            if (move.reduce()) {
                extend(move.destination(), record());
                haltPoint("extend");
            } else {
                commit(l -> withRecord(LeCopies.withRemoved(l, move.le(), move.source().pv(),
                        move.source().startPe())));
                haltPoint("reduce");
                extendAfterReduce();
            }
        } else {
            resumeBeforeResync();
        }
        VolumeGroup vg = Online.vg(volumes, request().vg());
        Area fresh = move.destination();
        int leg = LeCopies.indexOf(copies(), fresh.pv(), fresh.startPe());
        if (leg < 0) {
            throw new VolumeException(ErrorCode.MIGRATE_FAIL, "LE " + move.le() + " of " + lv + " has no copy at the "
                    + "destination any more");
        }
        Part part = new Part(lv, List.of(new StaleMarks.Copy(move.le(), leg, fresh.pv())), vg.extentSize());
        track(part);
        boolean synced = !copies().get(leg).stale() || await(part) == null;   // already marked good, or now synced
        finished(part, synced ? List.of() : part.copies(), vg);
        finish(synced);
    }

    /** The end after the resync: commits the outcome with the record gone. */
    private void finish(boolean synced) {
        Area old = move.source();
        Area fresh = move.destination();
        if (synced) {
            commit(l -> {
                LogicalVolume good = markGood(withoutRecord(l), fresh);
                return move.reduce() ? withoutCopy(good, old) : good;
            });
            end(ResyncState.SUCCEEDED, null, null);
            return;
        }
        List<Area> copies = copies();
        if (move.reduce() && LeCopies.onlyGood(copies, LeCopies.indexOf(copies, old.pv(), old.startPe()))) {
            commit(l -> withoutCopy(withoutRecord(l), fresh));
            throw new VolumeException(ErrorCode.MIGRATE_FAIL, "the new copy of LE " + move.le() + " of " + lv
                    + " could not be synced and the old copy is its only good one: backed out, the LV is as before");
        }
        commit(l -> move.reduce() ? withoutCopy(withoutRecord(l), old) : withoutRecord(l));
        end(ResyncState.SUCCEEDED, null, ErrorCode.RESYNC_FAILED);
    }

    /**
     * A resumed job finds its step from the copies: the new one there (the resync is next), neither (the reduce was
     * committed, the extend not: it is done now), or only the old one (the move was backed out: MIGRATE_FAIL).
     */
    private void resumeBeforeResync() {
        List<Area> now = copies();
        if (LeCopies.indexOf(now, move.destination().pv(), move.destination().startPe()) >= 0) {
            return;
        }
        if (LeCopies.indexOf(now, move.source().pv(), move.source().startPe()) >= 0) {
            throw new VolumeException(ErrorCode.MIGRATE_FAIL, "LE " + move.le() + " of " + lv + ": the move was "
                    + "backed out before the daemon stopped; the LV is as before");
        }
        extendAfterReduce();
    }

    /**
     * Three copies, the old one gone (with the record committed): adds the new copy, or re-adds the old one stale if
     * that fails.
     */
    private void extendAfterReduce() {
        try {
            extend(move.destination(), record());
            haltPoint("extend");
        } catch (VolumeException e) {
            try {
                extend(move.source().withStale(true), null);
            } catch (VolumeException lost) {
                throw new VolumeException(ErrorCode.LOSTPP, "LE " + move.le() + " of " + lv + ": the new copy "
                        + "failed (" + e.getMessage() + ") and the old copy could not be re-added ("
                        + lost.getMessage() + "); the extent has one copy fewer", e);
            }
            throw new VolumeException(ErrorCode.MIGRATE_FAIL, "LE " + move.le() + " of " + lv + ": the new copy "
                    + "failed (" + e.getMessage() + "); the old copy is back, stale until resynced", e);
        }
    }

    private MirrorResync record() {
        return new MirrorResync("migratepp", null, false, MirrorResync.runs(List.of(move.le())), move);
    }

    private LogicalVolume withRecord(LogicalVolume l) {
        return l.withMirror(l.mirror().withResync(record()));
    }

    /**
     * Adds {@code copy} (stale) to the LE with {@code record} (null: the record stays as it is) in one commit, if its
     * PE is still free at commit time; if the commit or the reload fails, the copy is taken out again (with one or
     * two copies the record with it, the LV as before; with three the record stays for what comes next) and the
     * error thrown.
     */
    private void extend(Area copy, MirrorResync record) {
        Area added = copy.withStale(true);
        try {
            volumes.change(request().vg(), vg -> {
                if (!FreeSpaceMap.of(vg).isFree(added.pv(), added.startPe(), 1)) {
                    throw new VolumeException(ErrorCode.INVALID_ARGUMENT, "destination PE " + added.startPe()
                            + " was allocated meanwhile");
                }
                return vg.withLvChanged(lv, l -> {
                    LogicalVolume extended = LeCopies.withAdded(l, move.le(), added);
                    return record == null ? extended : extended.withMirror(extended.mirror().withResync(record));
                });
            }, vg -> volumes.activator().reload(vg, vg.requireLv(lv)));
        } catch (VolumeException e) {
            if (LeCopies.indexOf(copies(), added.pv(), added.startPe()) >= 0) {
                commit(l -> withoutCopy(move.reduce() ? withoutRecord(l) : l, added));
            }
            throw e;
        }
    }

    private LogicalVolume withoutCopy(LogicalVolume l, Area copy) {
        return LeCopies.indexOf(LeCopies.of(l, move.le()), copy.pv(), copy.startPe()) < 0 ? l
                : LeCopies.withRemoved(l, move.le(), copy.pv(), copy.startPe());
    }

    private LogicalVolume markGood(LogicalVolume l, Area copy) {
        int leg = LeCopies.indexOf(LeCopies.of(l, move.le()), copy.pv(), copy.startPe());
        return leg < 0 ? l : MirrorLayout.withStale(l, leg, move.le(), move.le() + 1, false);
    }

    private List<Area> copies() {
        return LeCopies.of(Online.vg(volumes, request().vg()).requireLv(lv), move.le());
    }

    /** Commits {@code change} to the LV and reloads it. */
    private void commit(UnaryOperator<LogicalVolume> change) {
        volumes.change(request().vg(), vg -> vg.withLvChanged(lv, change),
                vg -> volumes.activator().reload(vg, vg.requireLv(lv)));
    }
}
