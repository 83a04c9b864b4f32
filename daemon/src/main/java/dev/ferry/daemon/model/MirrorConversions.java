package dev.ferry.daemon.model;

import static dev.ferry.daemon.model.MirrorLayout.avoiding;
import static dev.ferry.daemon.model.MirrorLayout.invalid;
import static dev.ferry.daemon.model.MirrorLayout.legPvs;
import static dev.ferry.daemon.model.MirrorLayout.withCopiesOf;
import static dev.ferry.daemon.model.MirrorLayout.withNewMirror;
import static dev.ferry.daemon.model.MirrorLayout.without;
import static dev.ferry.daemon.model.MirrorLayout.withoutLogPvs;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

/**
 * Conversions of mirrored LVs, computed on the metadata without touching disks: more or fewer copies (lvconvert -m),
 * lost copies replaced (lvconvert --repair), another write consistency (lvchange --mwc). New copies start stale, to be
 * resynchronised from the good ones.
 */
public final class MirrorConversions {
    private MirrorConversions() {
    }

    /**
     * {@code vg} with LV {@code lvName} converted to {@code copies} copies (lvconvert -m): a linear LV becomes a
     * mirror (with a region log LV for active consistency {@code mwc}); new legs are allocated from {@code free}
     * (PVs of other legs excluded unless {@code policy} is anywhere) and start stale, to be resynchronised; legs are
     * dropped from the end, legs with areas on {@code dropFirst} PVs going first; one copy left makes the LV linear
     * again (its log LV goes).
     *
     * @throws VolumeException INVALID_ARGUMENT for an impossible conversion or one that would leave an extent
     *                         without a good copy; INSUFFICIENT_SPACE when the new legs do not fit
     */
    public static VolumeGroup withCopies(VolumeGroup vg, String lvName, int copies, MirrorWriteConsistency mwc,
                                         FreeSpaceMap free, AllocationPolicy policy, Set<UUID> dropFirst) {
        LogicalVolume lv = vg.requireLv(lvName);
        if (copies < 1 || copies > Segment.MAX_MIRROR_LEGS) {
            throw invalid("Mirrors (-m " + (copies - 1) + ") must be 0, 1 or 2");
        }
        if (lv.hidden() || lv.has(LvFlag.LOCKED) || lv.move() != null) {
            throw invalid("Logical volume " + vg.name() + "/" + lvName + " is hidden or in use by a pvmove");
        }
        boolean wasLinear = !lv.mirrored();
        if (wasLinear) {
            if (lv.segments().stream().anyMatch(s -> s.type() != SegmentType.LINEAR)) {
                throw invalid("Only linear LVs can be converted to mirrors, " + lvName + " is "
                        + lv.segments().get(0).type().lvmName());
            }
            if (copies == 1) {
                throw invalid("Logical volume " + vg.name() + "/" + lvName + " already has 1 copy");
            }
            long region = Math.min(LvShape.DEFAULT_REGION_SIZE, vg.extentSize());
            lv = lv.withSegments(lv.segments().stream().map(s -> new Segment(s.startLe(), s.extentCount(),
                    SegmentType.MIRROR, 0, region, s.areas())).toList())
                    .withMirror(new MirrorOptions(MirrorWriteConsistency.OFF, null));
        }
        int now = lv.copies();
        if (copies == now) {
            throw invalid("Logical volume " + vg.name() + "/" + lvName + " already has " + now + " copies");
        }
        LogicalVolume next = copies > now ? addLegs(vg, lv, copies, free, policy) : dropLegs(vg, lv, copies, dropFirst);
        VolumeGroup out = vg.withLvChanged(lvName, l -> next);
        if (wasLinear) {   // the region log goes where no leg is, so it is placed after the new legs
            FreeSpaceMap left = FreeSpaceMap.of(out).copy().restrictedLike(free);
            out = withNewMirror(out.withLvChanged(lvName, l -> null), next.withMirror(null),
                    mwc == null ? MirrorWriteConsistency.ACTIVE : mwc, 1, false, left, policy);
            return out.withLvChanged(lvName, l -> l.withStatus(without(l.status(), LvFlag.UNCLEAN)));
        }
        if (copies == 1) {
            String log = lv.mirror().logLv();
            out = out.withLvChanged(lvName, l -> MirrorLogs.linearised(next));
            if (log != null) {
                out = out.withLvChanged(log, l -> null);
            }
        }
        return out;
    }

    /**
     * {@code vg} with every copy of mirrored LV {@code lvName} that lies on a PV in {@code lost} replaced by a new,
     * stale copy allocated from {@code free} on the same leg (away from the other legs and the region log unless
     * {@code policy} is anywhere), to be resynchronised from the good copies (lvconvert --repair); the copies of a
     * mirrored region log on {@code lost} are replaced likewise, away from the mirror's legs and the other log copy.
     *
     * @throws VolumeException INVALID_ARGUMENT if nothing of it lies on {@code lost}; INSUFFICIENT_SPACE
     */
    public static VolumeGroup withLostCopiesReplaced(VolumeGroup vg, String lvName, Set<UUID> lost, FreeSpaceMap free,
                                                     AllocationPolicy policy) {
        LogicalVolume lv = vg.requireLv(lvName);
        LogicalVolume log = lv.mirrored() && lv.mirror().logLv() != null ? vg.requireLv(lv.mirror().logLv()) : null;
        boolean logLost = log != null && log.mirrored() && onAny(log, lost);
        if (!lv.mirrored() || !onAny(lv, lost) && !logLost) {
            throw invalid("Logical volume " + vg.name() + "/" + lvName + " has no copy on a missing physical "
                    + "volume: nothing to repair");
        }
        FreeSpaceMap left = free.copy();
        LogicalVolume repaired = replaced(lv, lost, left, policy == AllocationPolicy.ANYWHERE ? left
                : withoutLogPvs(vg, lv, left), policy);
        VolumeGroup out = vg.withLvChanged(lvName, l -> repaired);
        if (logLost) {
            LogicalVolume newLog = replaced(log, lost, left, policy == AllocationPolicy.ANYWHERE ? left
                    : avoiding(left, legPvs(repaired)), policy);
            out = out.withLvChanged(log.name(), l -> newLog);
        }
        return out;
    }

    /**
     * {@code lv} with its copies on {@code lost} replaced by stale ones allocated from {@code candidates} (each leg
     * away from the others unless {@code policy} is anywhere); the PEs taken are taken from {@code left} too.
     */
    private static LogicalVolume replaced(LogicalVolume lv, Set<UUID> lost, FreeSpaceMap left,
                                          FreeSpaceMap candidates, AllocationPolicy policy) {
        LogicalVolume out = lv;
        for (int leg = 0; leg < lv.copies(); leg++) {
            int k = leg;
            List<Segment> lostPieces = out.segments().stream().filter(s -> s.leg(k) != null
                    && lost.contains(s.leg(k).pv())).toList();
            long need = lostPieces.stream().mapToLong(Segment::extentCount).sum();
            if (need == 0) {
                continue;
            }
            Set<UUID> avoid = new HashSet<>();
            for (Segment s : out.segments()) {
                for (int j = 0; j < s.areas().size(); j++) {
                    if (j != k && !s.areas().get(j).isLv()) {
                        avoid.add(s.areas().get(j).pv());
                    }
                }
            }
            FreeSpaceMap from = policy == AllocationPolicy.ANYWHERE ? candidates : avoiding(candidates, avoid);
            List<AllocatedChunk> chunks = Allocator.allocate(from, new AllocationRequest(1, need,
                    policy == AllocationPolicy.ANYWHERE ? policy : AllocationPolicy.NORMAL, List.of()));
            List<Area> runs = new ArrayList<>();
            for (AllocatedChunk c : chunks) {
                Area a = c.areas().get(0);
                left.take(a.pv(), a.startPe(), c.length());
                if (candidates != left) {
                    candidates.take(a.pv(), a.startPe(), c.length());
                }
                for (long i = 0; i < c.length(); i++) {
                    runs.add(a.plus(i).withStale(true));
                }
            }
            int next = 0;
            for (Segment piece : lostPieces) {
                for (long le = piece.startLe(); le < piece.endLe(); le++) {
                    out = withArea(out, k, le, runs.get(next++));
                }
            }
        }
        return out;
    }

    /** {@code lv} with leg {@code leg}'s copy of LE {@code le} at {@code area}. */
    private static LogicalVolume withArea(LogicalVolume lv, int leg, long le, Area area) {
        return withCopiesOf(lv, le, copies -> {
            List<Area> areas = new ArrayList<>(copies);
            areas.set(leg, area);
            return areas;
        });
    }

    /**
     * {@code vg} with mirrored LV {@code lvName} switched to consistency {@code mwc} (lvchange --mwc): to active a
     * region log LV is allocated from {@code free} away from the legs (unless {@code policy} is anywhere), and
     * being new it starts with every region out of sync; from active the log LV goes. The LV keeps its copies, its
     * recovery rate and the record of a mirror job under way on it.
     *
     * @throws VolumeException INVALID_ARGUMENT for an LV that is not mirrored or already has {@code mwc}
     */
    public static VolumeGroup withConsistency(VolumeGroup vg, String lvName, MirrorWriteConsistency mwc,
                                              FreeSpaceMap free, AllocationPolicy policy) {
        return withConsistency(vg, lvName, mwc, 1, free, policy);
    }

    /**
     * {@code vg} with mirrored LV {@code lvName} given another log (lvconvert --mirrorlog): core drops the log LV;
     * disk or mirrored on a mirror without a log LV allocates one ({@link #withConsistency}); disk to mirrored adds
     * a second copy to the log LV (allocated from {@code free} away from the legs and the log's copy unless
     * {@code policy} is anywhere; it starts stale and is resynchronised from the first), mirrored to disk drops one
     * (a stale one first).
     *
     * @throws VolumeException INVALID_ARGUMENT for an LV that is not mirrored or already has that log;
     *                         INSUFFICIENT_SPACE naming how many PVs a mirrored log needs
     */
    public static VolumeGroup withLogType(VolumeGroup vg, String lvName, MirrorLogType type, FreeSpaceMap free,
                                          AllocationPolicy policy) {
        LogicalVolume lv = vg.requireLv(lvName);
        if (!lv.mirrored()) {
            throw invalid("Logical volume " + vg.name() + "/" + lvName + " is not mirrored");
        }
        MirrorLogType now = MirrorLogType.of(vg, lv);
        if (now == type && lv.mirror().consistency() == type.consistency()) {
            throw invalid("Logical volume " + vg.name() + "/" + lvName + " already has a " + type.cliName()
                    + " mirror log");
        }
        if (now == MirrorLogType.CORE || type == MirrorLogType.CORE) {
            return withConsistency(vg, lvName, type.consistency(), Math.max(1, type.logCopies()), free, policy);
        }
        LogicalVolume log = vg.requireLv(lv.mirror().logLv());
        if (type == MirrorLogType.DISK) {
            Set<UUID> stalePvs = new HashSet<>();
            log.segments().forEach(s -> s.areas().stream().filter(Area::stale).forEach(a -> stalePvs.add(a.pv())));
            LogicalVolume one = MirrorLogs.linearised(dropLegs(vg, log, 1, stalePvs));
            return vg.withLvChanged(log.name(), l -> one);
        }
        FreeSpaceMap candidates = policy == AllocationPolicy.ANYWHERE ? free : avoiding(free, legPvs(lv));
        try {
            LogicalVolume two = addLegs(vg, MirrorLogs.asMirror(vg, log), 2, candidates, policy);
            return vg.withLvChanged(log.name(), l -> two);
        } catch (VolumeException e) {
            throw new VolumeException(ErrorCode.INSUFFICIENT_SPACE, "Insufficient suitable allocatable extents for "
                    + "the second copy of the mirror log of " + lvName + ": " + log.extentCount() + " extent(s) "
                    + "needed on a physical volume holding no leg of the mirror nor the log; a " + lv.copies()
                    + "-way mirror with a mirrored log needs " + (lv.copies() + 2) + " physical volumes (use "
                    + "--alloc anywhere to allow sharing)");
        }
    }

    /** As the public {@code withConsistency}, a new log LV having {@code logCopies} copies. */
    private static VolumeGroup withConsistency(VolumeGroup vg, String lvName, MirrorWriteConsistency mwc,
                                               int logCopies, FreeSpaceMap free, AllocationPolicy policy) {
        LogicalVolume lv = vg.requireLv(lvName);
        if (!lv.mirrored()) {
            throw invalid("Logical volume " + vg.name() + "/" + lvName + " is not mirrored");
        }
        if (lv.mirror().consistency() == mwc) {
            throw invalid("Logical volume " + vg.name() + "/" + lvName + " already has mirror write consistency "
                    + mwc.cliName());
        }
        String oldLog = lv.mirror().logLv();
        VolumeGroup out = oldLog == null ? vg : vg.withLvChanged(oldLog, l -> null);
        LogicalVolume bare = lv.withMirror(null).withStatus(without(lv.status(), LvFlag.COPIES_MAY_DIFFER));
        out = withNewMirror(out.withLvChanged(lvName, l -> null), bare, mwc, logCopies, true, free, policy);
        return out.withLvChanged(lvName, l -> l.withStatus(lv.has(LvFlag.NOTSYNCED) ? l.status()
                : without(l.status(), LvFlag.NOTSYNCED)).withMirror(l.mirror().withRecoveryRate(
                lv.mirror().recoveryRate()).withResync(lv.mirror().resync())));
    }

    private static LogicalVolume addLegs(VolumeGroup vg, LogicalVolume lv, int copies, FreeSpaceMap free,
                                         AllocationPolicy policy) {
        LogicalVolume out = lv;
        FreeSpaceMap left = free.copy();
        for (int leg = lv.copies(); leg < copies; leg++) {
            FreeSpaceMap candidates = policy == AllocationPolicy.ANYWHERE ? left
                    : avoiding(lv.mirror().logLv() == null ? left : withoutLogPvs(vg, lv, left), legPvs(out));
            List<AllocatedChunk> chunks = Allocator.allocate(candidates, new AllocationRequest(1, lv.extentCount(),
                    policy == AllocationPolicy.ANYWHERE ? policy : AllocationPolicy.NORMAL, List.of()));
            long le = 0;
            for (AllocatedChunk c : chunks) {
                Area a = c.areas().get(0);
                left.take(a.pv(), a.startPe(), c.length());
                out = withLeg(out, leg, le, le + c.length(), a.withStale(true));
                le += c.length();
            }
        }
        return out;
    }

    /** {@code lv} with area {@code area} (advanced per LE) appended as leg {@code leg} of LEs {@code [from, to)}. */
    private static LogicalVolume withLeg(LogicalVolume lv, int leg, long from, long to, Area area) {
        List<Segment> out = new ArrayList<>();
        for (Segment s : lv.segments()) {
            TreeSet<Long> cuts = new TreeSet<>(List.of(from - s.startLe(), to - s.startLe()));
            for (Segment piece : s.cutAt(cuts)) {
                if (piece.startLe() >= from && piece.endLe() <= to && piece.areas().size() == leg) {
                    List<Area> areas = new ArrayList<>(piece.areas());
                    areas.add(area.plus(piece.startLe() - from));
                    piece = piece.withAreas(areas);
                }
                out.add(piece);
            }
        }
        return lv.withSegments(LvLayout.merge(out));
    }

    private static LogicalVolume dropLegs(VolumeGroup vg, LogicalVolume lv, int copies, Set<UUID> dropFirst) {
        List<Integer> order = new ArrayList<>();
        for (int leg = lv.copies() - 1; leg >= 0; leg--) {
            order.add(leg);
        }
        order.sort(java.util.Comparator.comparingInt(leg -> onAny(lv, leg, dropFirst) ? 0 : 1));
        Set<Integer> drop = new HashSet<>(order.subList(0, lv.copies() - copies));
        List<Segment> out = new ArrayList<>();
        for (Segment s : lv.segments()) {
            List<Area> kept = new ArrayList<>();
            for (int leg = 0; leg < s.areas().size(); leg++) {
                if (!drop.contains(leg)) {
                    kept.add(s.areas().get(leg));
                }
            }
            if (kept.stream().allMatch(Area::stale)) {
                throw invalid("Removing " + drop.size() + " copies of " + vg.name() + "/" + lv.name()
                        + " would leave LEs " + s.startLe() + "-" + (s.endLe() - 1) + " without a good copy (INVLPRED)");
            }
            out.add(s.withAreas(kept));
        }
        return lv.withSegments(LvLayout.merge(out));
    }

    private static boolean onAny(LogicalVolume lv, Set<UUID> pvs) {
        return lv.segments().stream().anyMatch(s -> s.areas().stream().anyMatch(a -> pvs.contains(a.pv())));
    }

    private static boolean onAny(LogicalVolume lv, int leg, Set<UUID> pvs) {
        return lv.segments().stream().anyMatch(s -> s.leg(leg) != null && pvs.contains(s.leg(leg).pv()));
    }
}
