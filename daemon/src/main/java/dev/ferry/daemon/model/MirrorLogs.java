package dev.ferry.daemon.model;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The region log LV of mirrored LVs, on the metadata: its allocation as a disk log (one linear copy) or a mirrored
 * log (LVM's {@code --mirrorlog mirrored}: a two-way mirror with a core log, each copy on a PV of its own), always
 * on PVs no leg of the mirror uses unless the policy is anywhere; its growth with the mirror; when it is lost.
 */
final class MirrorLogs {
    private MirrorLogs() {
    }

    /**
     * A new hidden log LV {@code name} for mirrored LV {@code lv} with {@code copies} copies (1: disk, 2: mirrored),
     * allocated from {@code free}. A mirrored log starts in sync: a new log's extents are zeroed on every copy
     * before the commit naming them.
     *
     * @throws VolumeException INSUFFICIENT_SPACE naming the log, how many PVs it needs and {@code --alloc anywhere}
     */
    static LogicalVolume newLog(VolumeGroup vg, String name, LogicalVolume lv, int copies, FreeSpaceMap free,
                                AllocationPolicy policy) {
        long extents = MirrorLayout.logExtents(vg.extentSize(), lv.extentCount(), MirrorLayout.regionSize(lv));
        LvLayout.Shape shape = copies == 1 ? new LvLayout.Shape(SegmentType.LINEAR, 1, 0, 0)
                : new LvLayout.Shape(SegmentType.MIRROR, copies, 0, regionSize(vg));
        List<AllocatedChunk> chunks = allocate(free, lv, copies, extents, policy, List.of());
        return new LogicalVolume(name, UUID.randomUUID(), true, EnumSet.of(LvFlag.READ, LvFlag.WRITE,
                LvFlag.MIRROR_LOG), AllocationPolicy.INHERIT, LvLayout.append(List.of(), chunks, shape), null,
                copies == 1 ? null : new MirrorOptions(MirrorWriteConsistency.PASSIVE, null));
    }

    /**
     * {@code vg} with the region log of mirrored LV {@code lv} (already resized) grown to fit it, every copy of it,
     * allocating from {@code free}; unchanged when it fits or the LV has no log.
     */
    static VolumeGroup withLogFitted(VolumeGroup vg, LogicalVolume lv, FreeSpaceMap free, AllocationPolicy policy) {
        if (lv.mirror() == null || lv.mirror().logLv() == null) {
            return vg;
        }
        LogicalVolume log = vg.requireLv(lv.mirror().logLv());
        long need = MirrorLayout.logExtents(vg.extentSize(), lv.extentCount(), MirrorLayout.regionSize(lv));
        if (need <= log.extentCount()) {
            return vg;
        }
        LvLayout.Shape shape = log.mirrored()
                ? new LvLayout.Shape(SegmentType.MIRROR, log.copies(), 0, MirrorLayout.regionSize(log))
                : LvLayout.Shape.of(log.lastSegment());
        List<AllocatedChunk> chunks = allocate(free, lv, shape.parallel(), need - log.extentCount(), policy,
                log.segments());
        List<Segment> grown = LvLayout.append(log.segments(), chunks, shape);
        return vg.withLvChanged(log.name(), l -> l.withSegments(grown));
    }

    /** The region size of a mirrored log: at most an extent, so that a one-extent log has whole regions. */
    static long regionSize(VolumeGroup vg) {
        return Math.min(LvShape.DEFAULT_REGION_SIZE, vg.extentSize());
    }

    /** Whether log LV {@code log} has an extent with no good copy left once the PVs {@code missing} are gone. */
    static boolean lost(LogicalVolume log, Set<UUID> missing) {
        return log.segments().stream().anyMatch(s -> s.areas().stream()
                .allMatch(a -> a.stale() || missing.contains(a.pv())));
    }

    /** Linear log LV {@code log} as a mirror of one copy (to which a second leg can be added). */
    static LogicalVolume asMirror(VolumeGroup vg, LogicalVolume log) {
        if (log.mirrored()) {
            return log;
        }
        long region = regionSize(vg);
        return log.withSegments(log.segments().stream().map(s -> new Segment(s.startLe(), s.extentCount(),
                SegmentType.MIRROR, 0, region, s.areas())).toList())
                .withMirror(new MirrorOptions(MirrorWriteConsistency.PASSIVE, null));
    }

    /** Mirrored {@code lv} reduced to its one copy left as a linear LV, copy marks and sync flags dropped. */
    static LogicalVolume linearised(LogicalVolume lv) {
        LogicalVolume linear = lv.withSegments(lv.segments().stream().map(s -> Segment.linear(s.startLe(),
                s.extentCount(), s.areas().get(0).withStale(false))).toList()).withMirror(null)
                .withStatus(MirrorLayout.without(MirrorLayout.without(lv.status(), LvFlag.NOTSYNCED),
                        LvFlag.UNCLEAN));
        return linear.withSegments(LvLayout.merge(linear.segments()));
    }

    private static List<AllocatedChunk> allocate(FreeSpaceMap free, LogicalVolume lv, int copies, long extents,
                                                 AllocationPolicy policy, List<Segment> existing) {
        boolean anywhere = policy == AllocationPolicy.ANYWHERE;
        FreeSpaceMap candidates = anywhere ? free : MirrorLayout.avoiding(free, MirrorLayout.legPvs(lv));
        try {
            return Allocator.allocate(candidates, new AllocationRequest(copies, extents,
                    anywhere ? policy : AllocationPolicy.NORMAL, existing));
        } catch (VolumeException e) {
            if (copies == 1) {
                throw new VolumeException(ErrorCode.INSUFFICIENT_SPACE, "Insufficient suitable allocatable extents "
                        + "for the mirror log of " + lv.name() + ": " + extents + " extent(s) needed on a physical "
                        + "volume that holds no leg of the mirror (use --alloc anywhere to allow one, or "
                        + "--mirrorlog core)");
            }
            int legs = lv.segments().stream().mapToInt(s -> s.areas().size()).max().orElse(1);   // not yet mirrored
            throw new VolumeException(ErrorCode.INSUFFICIENT_SPACE, "Insufficient suitable allocatable extents for "
                    + "the mirrored log of " + lv.name() + ": " + extents + " extent(s) needed on each of " + copies
                    + " physical volumes holding no leg of the mirror nor the other log copy; a " + legs
                    + "-way mirror with a mirrored log needs " + (legs + copies) + " physical volumes (use "
                    + "--alloc anywhere to allow sharing, or --mirrorlog disk or core)");
        }
    }
}
