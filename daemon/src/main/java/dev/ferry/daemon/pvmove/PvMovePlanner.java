package dev.ferry.daemon.pvmove;

import dev.ferry.daemon.activation.RegionLogSlices;
import dev.ferry.daemon.model.AllocatedChunk;
import dev.ferry.daemon.model.AllocationPolicy;
import dev.ferry.daemon.model.AllocationRequest;
import dev.ferry.daemon.model.Allocator;
import dev.ferry.daemon.model.Area;
import dev.ferry.daemon.model.ErrorCode;
import dev.ferry.daemon.model.FreeSpaceMap;
import dev.ferry.daemon.model.KnownPvs;
import dev.ferry.daemon.model.LogicalVolume;
import dev.ferry.daemon.model.LvFlag;
import dev.ferry.daemon.model.MirrorOptions;
import dev.ferry.daemon.model.MoveOptions;
import dev.ferry.daemon.model.MoveState;
import dev.ferry.daemon.model.PeRun;
import dev.ferry.daemon.model.PhysicalVolume;
import dev.ferry.daemon.model.PvSelection;
import dev.ferry.daemon.model.Segment;
import dev.ferry.daemon.model.SegmentType;
import dev.ferry.daemon.model.VolumeException;
import dev.ferry.daemon.model.VolumeGroup;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

/**
 * Plans a pvmove as LVM2 does: a hidden {@code pvmoveN} LV (PVMOVE, LOCKED) gets one DISABLED segment per moved
 * piece (source area to a freshly allocated destination area); the moved LVs' areas on the source ranges are
 * re-pointed into it and the LVs are LOCKED; a hidden log LV {@code pvmoveN_mlog} holds the region logs.
 * Refusals throw {@link VolumeException} and change nothing.
 */
public final class PvMovePlanner {
    /** Default region size of a move: 512 KiB (or the extent size when smaller). */
    public static final long DEFAULT_REGION = 512 * 1024;

    private final VolumeGroup vg;

    /** A planner over the VG. */
    public PvMovePlanner(VolumeGroup vg) {
        this.vg = vg;
    }

    /** The result: the VG with the move added, and the pvmove LV's name. */
    public record Plan(VolumeGroup vg, String pvmoveLv, List<String> movedLvs) {
    }

    /** The VG holding PV {@code path}, among {@code vgs}. */
    public static VolumeGroup vgOf(List<VolumeGroup> vgs, String path) {
        String p = KnownPvs.canonical(path);
        return vgs.stream().filter(v -> v.pvByName(p).isPresent()).findFirst()
                .orElseThrow(() -> new VolumeException(ErrorCode.PV_NOT_FOUND, "Physical volume " + p
                        + " not found in any volume group"));
    }

    /** Plans {@code request}. */
    public Plan plan(PvMoveRequest request) {
        PhysicalVolume src = pv(request.source().path());
        AllocationPolicy policy = request.alloc() == null || request.alloc() == AllocationPolicy.INHERIT
                ? vg.alloc() : request.alloc();
        boolean anywhere = policy == AllocationPolicy.ANYWHERE;
        vg.lvs().stream().filter(l -> l.move() != null && l.move().source().equals(src.uuid())).findFirst()
                .ifPresent(l -> {
                    throw new VolumeException(ErrorCode.ALREADY_MOVING, "Detected pvmove in progress for "
                            + src.name() + " (" + l.name() + "); use --abort or wait");
                });
        List<PeRun> srcRuns = runs(request.source(), src);
        Map<UUID, List<PeRun>> allowed = new HashMap<>();
        for (PvSelection d : request.destinations()) {
            PhysicalVolume dst = pv(d.path());
            if (dst.uuid().equals(src.uuid())) {
                if (!anywhere) {
                    throw new VolumeException(ErrorCode.SAME_PV, "Source and destination physical volume "
                            + src.name() + " are the same; use --alloc anywhere to move within one PV");
                }
                if (d.ranges().isEmpty()) {
                    allowed.computeIfAbsent(dst.uuid(), k -> new ArrayList<>())
                            .addAll(outside(srcRuns, dst.peCount()));
                    continue;
                }
                for (PeRun r : runs(d, dst)) {
                    for (PeRun s : srcRuns) {
                        if (r.start() < s.end() && s.start() < r.end()) {
                            throw new VolumeException(ErrorCode.OVERLAPPING_RANGES, "Source range " + s.start()
                                    + "-" + (s.end() - 1) + " and destination range " + r.start() + "-"
                                    + (r.end() - 1) + " of " + src.name() + " overlap");
                        }
                    }
                }
            }
            allowed.computeIfAbsent(dst.uuid(), k -> new ArrayList<>()).addAll(runs(d, dst));
        }
        if (allowed.isEmpty()) {
            for (PhysicalVolume p : vg.pvs()) {
                if (anywhere || !p.uuid().equals(src.uuid())) {
                    allowed.put(p.uuid(), List.of(new PeRun(0, p.peCount())));
                }
            }
        }
        if (request.lv() != null) {
            LogicalVolume only = vg.requireLv(request.lv());
            if (only.has(LvFlag.LOCKED)) {
                throw new VolumeException(ErrorCode.LV_LOCKED, "Logical volume " + vg.name() + "/" + only.name()
                        + " is already being moved");
            }
        }
        String name = freeName();
        String logName = name + "_mlog";
        FreeSpaceMap free = FreeSpaceMap.of(vg).copy();
        long region = Math.min(DEFAULT_REGION, vg.extentSize());
        List<Segment> moveSegs = new ArrayList<>();
        List<LogicalVolume> lvs = new ArrayList<>();
        List<String> moved = new ArrayList<>();
        boolean skippedLocked = false;
        for (LogicalVolume lv : vg.lvs()) {
            boolean selected = (!lv.hidden() || lv.has(LvFlag.MIRROR_LOG)) && (request.lv() == null
                    || lv.name().equals(request.lv()) || lv.name().equals(MirrorOptions.logLvName(request.lv())));
            boolean touches = selected && lv.segments().stream().anyMatch(s -> s.areas().stream()
                    .anyMatch(a -> onSource(a, s.areaLength(), src, srcRuns)));
            if (touches && lv.has(LvFlag.LOCKED)) {
                skippedLocked = true;
            }
            if (!touches || lv.has(LvFlag.LOCKED)) {
                lvs.add(lv);
                continue;
            }
            List<Segment> out = new ArrayList<>();
            for (Segment s : split(lv.segments(), src, srcRuns)) {
                List<Area> areas = new ArrayList<>(s.areas());
                for (int j = 0; j < areas.size(); j++) {
                    Area a = areas.get(j);
                    if (!onSource(a, s.areaLength(), src, srcRuns)) {
                        continue;
                    }
                    long le = moveSegs.isEmpty() ? 0 : moveSegs.get(moveSegs.size() - 1).endLe();
                    Set<UUID> siblings = new LinkedHashSet<>();
                    s.areas().stream().filter(x -> !x.isLv() && x != a).forEach(x -> siblings.add(x.pv()));
                    FreeSpaceMap choice = free.copy();
                    Map<UUID, List<PeRun>> here = new HashMap<>(allowed);
                    if (!anywhere) {
                        siblings.forEach(here::remove);
                    }
                    choice.restrictTo(here);
                    long done = 0;
                    List<AllocatedChunk> chunks = Allocator.allocate(choice, new AllocationRequest(1, s.areaLength(),
                            policy, List.of()));
                    if (s.type() == SegmentType.STRIPED && chunks.size() > 1) {
                        throw new VolumeException(ErrorCode.INSUFFICIENT_SPACE, "Insufficient contiguous free "
                                + "space for a stripe of " + lv.name() + " (" + s.areaLength() + " extents)");
                    }
                    for (AllocatedChunk c : chunks) {
                        Area dst = c.areas().get(0);
                        free.take(dst.pv(), dst.startPe(), c.length());
                        moveSegs.add(Segment.pvmove(le + done, c.length(), region, a.plus(done).withStale(false), dst,
                                MoveState.DISABLED));
                        done += c.length();
                    }
                    areas.set(j, a.movedInto(name, le));
                }
                out.add(s.withAreas(areas));
            }
            lvs.add(lv.withStatus(with(lv.status(), LvFlag.LOCKED)).withSegments(out));
            moved.add(lv.name());
        }
        if (moveSegs.isEmpty()) {
            if (skippedLocked) {
                throw new VolumeException(ErrorCode.ALREADY_MOVING, "Every logical volume on " + src.name()
                        + " selected is locked by another move");
            }
            throw new VolumeException(ErrorCode.NOTHING_TO_MOVE, "No data to move for " + vg.name()
                    + (request.lv() == null ? "" : "/" + request.lv()) + " on " + src.name());
        }
        MoveOptions options = new MoveOptions(src.uuid(), request.atomic(), request.rateLimit(), policy, logName,
                request.verify());
        LogicalVolume pvmove = new LogicalVolume(name, UUID.randomUUID(), true,
                EnumSet.of(LvFlag.READ, LvFlag.WRITE, LvFlag.PVMOVE, LvFlag.LOCKED), policy, moveSegs, options, null);
        lvs.add(0, logLv(logName, pvmove, free, allowed, src));
        lvs.add(0, pvmove);
        return new Plan(vg.withLvs(lvs), name, moved);
    }

    /**
     * The log LV, preferably on the source's free extents (it then shares the data's fate: a failing destination
     * cannot stop the mirror marking regions dirty, which would fail foreground writes), else on a PV that is no
     * destination, else on a destination.
     */
    private LogicalVolume logLv(String name, LogicalVolume pvmove, FreeSpaceMap free,
                                Map<UUID, List<PeRun>> allowed, PhysicalVolume src) {
        long extents = RegionLogSlices.logExtents(vg.extentSize(), pvmove);
        Map<UUID, List<PeRun>> others = new HashMap<>();
        for (PhysicalVolume p : vg.pvs()) {
            if (!p.uuid().equals(src.uuid()) && !allowed.containsKey(p.uuid())) {
                others.put(p.uuid(), List.of(new PeRun(0, p.peCount())));
            }
        }
        List<Map<UUID, List<PeRun>>> tiers = List.of(Map.of(src.uuid(), List.of(new PeRun(0, src.peCount()))),
                others, allowed);
        VolumeException last = null;
        for (Map<UUID, List<PeRun>> tier : tiers) {
            FreeSpaceMap choice = free.copy();
            choice.restrictTo(tier);
            try {
                List<AllocatedChunk> chunks = Allocator.allocate(choice, new AllocationRequest(1, extents,
                        AllocationPolicy.ANYWHERE, List.of()));
                List<Segment> segs = new ArrayList<>();
                long le = 0;
                for (AllocatedChunk c : chunks) {
                    free.take(c.areas().get(0).pv(), c.areas().get(0).startPe(), c.length());
                    segs.add(Segment.linear(le, c.length(), c.areas().get(0)));
                    le += c.length();
                }
                return new LogicalVolume(name, UUID.randomUUID(), true,
                        EnumSet.of(LvFlag.READ, LvFlag.WRITE, LvFlag.LOCKED), AllocationPolicy.ANYWHERE, segs);
            } catch (VolumeException e) {
                last = e;
            }
        }
        throw new VolumeException(ErrorCode.INSUFFICIENT_SPACE, "No free extent for the move's region log: "
                + last.getMessage());
    }

    /** Linear and mirror segments split at the source-range boundaries of their areas on the source. */
    private static List<Segment> split(List<Segment> segments, PhysicalVolume src, List<PeRun> srcRuns) {
        List<Segment> out = new ArrayList<>();
        for (Segment s : segments) {
            if (s.type() == SegmentType.STRIPED) {
                out.add(s);
                continue;
            }
            TreeSet<Long> cuts = new TreeSet<>();
            for (Area a : s.areas()) {
                if (a.isLv() || !a.pv().equals(src.uuid())) {
                    continue;
                }
                for (PeRun r : srcRuns) {
                    for (long pe : new long[] {r.start(), r.end()}) {
                        long off = pe - a.startPe();
                        if (off > 0 && off < s.extentCount()) {
                            cuts.add(off);
                        }
                    }
                }
            }
            out.addAll(s.cutAt(cuts));
        }
        return out;
    }

    /** True if the area lies on the source PV and overlaps its ranges (after splitting: lies inside them). */
    private static boolean onSource(Area a, long length, PhysicalVolume src, List<PeRun> srcRuns) {
        if (a.isLv() || !a.pv().equals(src.uuid())) {
            return false;
        }
        return srcRuns.stream().anyMatch(r -> r.start() < a.startPe() + length && a.startPe() < r.end());
    }

    private PhysicalVolume pv(String path) {
        String p = KnownPvs.canonical(path);
        return vg.pvByName(p).orElseThrow(() -> new VolumeException(ErrorCode.PV_NOT_FOUND, "Physical volume " + p
                + " not in volume group " + vg.name()));
    }

    private static List<PeRun> runs(PvSelection sel, PhysicalVolume pv) {
        if (sel.ranges().isEmpty()) {
            return List.of(new PeRun(0, pv.peCount()));
        }
        for (PeRun r : sel.ranges()) {
            if (r.end() > pv.peCount()) {
                throw new VolumeException(ErrorCode.INVALID_ARGUMENT, "PE range " + r.start() + "-" + (r.end() - 1)
                        + " is outside " + pv.name() + " (" + pv.peCount() + " extents)");
            }
        }
        return sel.ranges();
    }

    /** The extents of a PV of {@code peCount} extents outside {@code runs}, as LVM reads an unranged source. */
    private static List<PeRun> outside(List<PeRun> runs, long peCount) {
        List<PeRun> sorted = new ArrayList<>(runs);
        sorted.sort((x, y) -> Long.compare(x.start(), y.start()));
        List<PeRun> out = new ArrayList<>();
        long from = 0;
        for (PeRun r : sorted) {
            if (r.start() > from) {
                out.add(new PeRun(from, r.start() - from));
            }
            from = Math.max(from, r.end());
        }
        if (from < peCount) {
            out.add(new PeRun(from, peCount - from));
        }
        return out;
    }

    private String freeName() {
        for (int i = 0; ; i++) {
            String n = "pvmove" + i;
            if (vg.lv(n).isEmpty() && vg.lv(n + "_mlog").isEmpty()) {
                return n;
            }
        }
    }

    private static Set<LvFlag> with(Set<LvFlag> flags, LvFlag flag) {
        Set<LvFlag> out = flags.isEmpty() ? EnumSet.noneOf(LvFlag.class) : EnumSet.copyOf(flags);
        out.add(flag);
        return out;
    }
}
