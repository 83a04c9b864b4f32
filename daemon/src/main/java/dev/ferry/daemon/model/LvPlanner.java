package dev.ferry.daemon.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/** Computes the VG that results from lvcreate or lvresize, without touching disks; refusals throw. */
final class LvPlanner {
    private final VolumeGroup vg;
    private final Set<UUID> present;

    LvPlanner(VolumeGroup vg, Set<UUID> present) {
        this.vg = vg;
        this.present = present;
    }

    VolumeGroup create(LvCreateRequest r) {
        String name = r.name() == null ? nextFreeName() : r.name();
        Names.checkLvName(name);
        if (vg.lv(name).isPresent()) {
            throw new VolumeException(ErrorCode.LV_EXISTS, "Logical volume \"" + name + "\" already exists in volume "
                    + "group \"" + vg.name() + "\"");
        }
        if (r.size() == null || r.size().sign() != SizeSpec.Sign.ABSOLUTE) {
            throw invalid("lvcreate needs an absolute size (-L or -l)");
        }
        LvLayout.Shape shape = LvShape.resolve(r, vg.extentSize());
        Selection sel = select(r.pvs());
        long candidates = r.pvs().isEmpty() ? vg.pvs().size() : r.pvs().stream()
                .map(a -> KnownPvs.canonical(PvSelection.parse(a).path())).distinct().count();
        if (shape.type() == SegmentType.STRIPED && shape.parallel() > candidates) {
            throw invalid("Number of stripes (" + shape.parallel() + ") must not exceed the number of physical "
                    + "volumes (" + candidates + ")");
        }
        long extents = r.size().resolve(0, vg.extentSize(), vg.extentCount(), FreeSpaceMap.of(vg).totalFree(),
                sel.extents, copies(shape));
        if (extents <= 0) {
            throw invalid("Size of logical volume " + name + " must be larger than 0 extents");
        }
        long perArea = perArea(shape, extents);
        AllocationPolicy alloc = r.alloc() == null ? AllocationPolicy.INHERIT : r.alloc();
        List<AllocatedChunk> chunks = Allocator.allocate(sel.free,
                new AllocationRequest(shape.parallel(), perArea, effective(alloc), List.of()));
        LogicalVolume lv = LogicalVolume.create(name, alloc, LvLayout.append(List.of(), chunks, shape));
        if (shape.type() != SegmentType.MIRROR) {
            return vg.withLvAdded(lv);
        }
        MirrorWriteConsistency mwc = r.mwc() == null ? MirrorWriteConsistency.ACTIVE : r.mwc();
        if (r.mirroredLog() && mwc != MirrorWriteConsistency.ACTIVE) {
            throw invalid("--mirrorlog mirrored contradicts --mwc " + mwc.cliName() + " (a log needs active)");
        }
        return MirrorLayout.withNewMirror(vg, lv, mwc, r.mirroredLog() ? 2 : 1, r.nosync(), without(sel.free, chunks),
                effective(alloc));
    }

    VolumeGroup resize(LvResizeRequest r, ResizeMode mode) {
        LogicalVolume lv = vg.requireLv(r.lv());
        if (lv.hidden()) {
            throw invalid("Logical volume " + vg.name() + "/" + lv.name() + " is hidden: it belongs to another LV "
                    + "and changes only with it");
        }
        if (lv.has(LvFlag.LOCKED)) {
            throw new VolumeException(ErrorCode.LV_LOCKED, "Logical volume " + vg.name() + "/" + lv.name()
                    + " is locked by a running operation");
        }
        if (r.size() == null) {
            throw invalid("A new size (-L or -l) is required");
        }
        Selection sel = select(r.pvs());
        long current = lv.extentCount();
        LvLayout.Shape shape = lv.mirrored()
                ? new LvLayout.Shape(SegmentType.MIRROR, lv.copies(), 0, MirrorLayout.regionSize(lv))
                : LvLayout.Shape.of(lv.lastSegment());
        long target = r.size().resolve(current, vg.extentSize(), vg.extentCount(), FreeSpaceMap.of(vg).totalFree(),
                sel.extents, copies(shape));
        if (target > current && shape.type() == SegmentType.STRIPED) {
            target = current + roundUp(target - current, shape.parallel());
        }
        if (target < current) {
            target = alignToStripes(lv, target);
        }
        if (target <= 0) {
            throw invalid("Cannot reduce " + lv.name() + " to " + target + " extents: size must be positive");
        }
        if (target == current) {
            throw invalid("New size (" + target + " extents) matches existing size (" + current + " extents).");
        }
        if (mode == ResizeMode.EXTEND && target < current) {
            throw invalid("New size given (" + target + " extents) not larger than existing size (" + current
                    + " extents)");
        }
        if (mode == ResizeMode.REDUCE && target > current) {
            throw invalid("New size given (" + target + " extents) not less than existing size (" + current
                    + " extents)");
        }
        List<Segment> segments;
        if (target < current) {
            segments = LvLayout.truncate(lv.segments(), target);
        } else {
            AllocationPolicy policy = effective(r.alloc() != null ? r.alloc() : lv.alloc());
            FreeSpaceMap free = lv.mirrored() && policy != AllocationPolicy.ANYWHERE
                    ? MirrorLayout.withoutLogPvs(vg, lv, sel.free) : sel.free;
            List<AllocatedChunk> chunks = Allocator.allocate(free, new AllocationRequest(shape.parallel(),
                    perArea(shape, target - current), policy, lv.segments()));
            segments = LvLayout.append(lv.segments(), chunks, shape);
            if (lv.mirrored()) {
                VolumeGroup grown = vg.withLvChanged(lv.name(), l -> l.withSegments(segments));
                return MirrorLogs.withLogFitted(grown, grown.requireLv(lv.name()), without(sel.free, chunks), policy);
            }
        }
        return vg.withLvChanged(lv.name(), l -> l.withSegments(segments));
    }

    /** Which direction a resize may go. */
    enum ResizeMode {
        /** lvextend: grow only. */
        EXTEND,
        /** lvreduce: shrink only. */
        REDUCE,
        /** lvresize: either. */
        RESIZE
    }

    /** {@code free} without the PEs of {@code chunks}. */
    private static FreeSpaceMap without(FreeSpaceMap free, List<AllocatedChunk> chunks) {
        FreeSpaceMap left = free.copy();
        for (AllocatedChunk c : chunks) {
            c.areas().forEach(a -> left.take(a.pv(), a.startPe(), c.length()));
        }
        return left;
    }

    private long perArea(LvLayout.Shape shape, long extents) {
        return shape.type() == SegmentType.STRIPED ? roundUp(extents, shape.parallel()) / shape.parallel() : extents;
    }

    /** Moves a cut inside a striped segment up to the next whole stripe row. */
    private static long alignToStripes(LogicalVolume lv, long target) {
        for (Segment s : lv.segments()) {
            if (s.type() == SegmentType.STRIPED && s.startLe() < target && target < s.endLe()) {
                return s.startLe() + roundUp(target - s.startLe(), s.areas().size());
            }
        }
        return target;
    }

    private static int copies(LvLayout.Shape shape) {
        return shape.type() == SegmentType.MIRROR ? shape.parallel() : 1;
    }

    private static long roundUp(long value, int multiple) {
        return (value + multiple - 1) / multiple * multiple;
    }

    private AllocationPolicy effective(AllocationPolicy p) {
        return p == AllocationPolicy.INHERIT ? vg.alloc() : p;
    }

    private String nextFreeName() {
        for (int i = 0; ; i++) {
            if (vg.lv("lvol" + i).isEmpty()) {
                return "lvol" + i;
            }
        }
    }

    /** Free space restricted to the PV arguments (all present PVs if none), and their total extents. */
    private record Selection(FreeSpaceMap free, long extents) {
    }

    private Selection select(List<String> pvArgs) {
        Map<UUID, List<PeRun>> allowed = new LinkedHashMap<>();
        long extents = 0;
        if (pvArgs.isEmpty()) {
            for (PhysicalVolume pv : vg.pvs()) {
                extents += pv.peCount();
                if (present.contains(pv.uuid()) && pv.peCount() > 0) {
                    allowed.put(pv.uuid(), List.of(new PeRun(0, pv.peCount())));
                }
            }
        } else {
            for (String arg : pvArgs) {
                PvSelection s = PvSelection.parse(arg);
                String path = KnownPvs.canonical(s.path());
                PhysicalVolume pv = vg.pvByName(path).orElseThrow(() -> new VolumeException(ErrorCode.PV_NOT_FOUND,
                        "Physical volume " + path + " not found in volume group " + vg.name()));
                if (!allowed.containsKey(pv.uuid())) {
                    extents += pv.peCount();
                }
                List<PeRun> runs = allowed.computeIfAbsent(pv.uuid(), k -> new ArrayList<>());
                if (s.ranges().isEmpty() && pv.peCount() > 0) {
                    runs.add(new PeRun(0, pv.peCount()));
                }
                runs.addAll(s.ranges());
                if (!present.contains(pv.uuid())) {
                    allowed.remove(pv.uuid());
                }
            }
        }
        FreeSpaceMap free = FreeSpaceMap.of(vg).copy();
        free.restrictTo(allowed);
        return new Selection(free, extents);
    }

    private static VolumeException invalid(String message) {
        return new VolumeException(ErrorCode.INVALID_ARGUMENT, message);
    }
}
