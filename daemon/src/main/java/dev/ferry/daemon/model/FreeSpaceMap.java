package dev.ferry.daemon.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Free PEs per PV of a VG as sorted, coalesced runs. {@link #of} computes a fresh map from a VG and rejects
 * any PE used twice or outside its PV; the allocator then takes and gives back runs on its own copy.
 */
public final class FreeSpaceMap {
    private final Map<UUID, NavigableMap<Long, Long>> free = new LinkedHashMap<>();

    private FreeSpaceMap() {
    }

    /**
     * The free space of {@code vg}.
     *
     * @throws VolumeException METADATA_INVALID if an area lies outside its PV, on an unknown PV, or overlaps another
     */
    public static FreeSpaceMap of(VolumeGroup vg) {
        FreeSpaceMap map = new FreeSpaceMap();
        for (PhysicalVolume pv : vg.pvs()) {
            NavigableMap<Long, Long> runs = new TreeMap<>();
            if (pv.peCount() > 0) {
                runs.put(0L, pv.peCount());
            }
            map.free.put(pv.uuid(), runs);
        }
        for (LogicalVolume lv : vg.lvs()) {
            for (Segment seg : lv.segments()) {
                for (Area area : seg.areas()) {
                    if (area.isLv()) {
                        continue;
                    }
                    if (!map.isFree(area.pv(), area.startPe(), seg.areaLength())) {
                        throw new VolumeException(ErrorCode.METADATA_INVALID, "LV " + lv.name() + " segment at LE "
                                + seg.startLe() + " uses PEs " + area.startPe() + "+" + seg.areaLength() + " of PV "
                                + area.pv() + " that are outside the PV, on an unknown PV or already in use");
                    }
                    map.take(area.pv(), area.startPe(), seg.areaLength());
                }
            }
        }
        return map;
    }

    /** A copy of this map. */
    public FreeSpaceMap copy() {
        FreeSpaceMap c = new FreeSpaceMap();
        free.forEach((pv, runs) -> c.free.put(pv, new TreeMap<>(runs)));
        return c;
    }

    /** The PVs this map covers, in VG order. */
    public List<UUID> pvs() {
        return List.copyOf(free.keySet());
    }

    /** Free runs of {@code pv} in PE order (empty for unknown PVs). */
    public List<PeRun> freeRuns(UUID pv) {
        List<PeRun> out = new ArrayList<>();
        free.getOrDefault(pv, new TreeMap<>()).forEach((s, e) -> out.add(new PeRun(s, e - s)));
        return out;
    }

    /** Free PEs of {@code pv}. */
    public long freeExtents(UUID pv) {
        return free.getOrDefault(pv, new TreeMap<>()).entrySet().stream().mapToLong(e -> e.getValue() - e.getKey())
                .sum();
    }

    /** Free PEs of all PVs. */
    public long totalFree() {
        return free.keySet().stream().mapToLong(this::freeExtents).sum();
    }

    /** True if every PE of {@code [start, start+length)} on {@code pv} is free. */
    public boolean isFree(UUID pv, long start, long length) {
        NavigableMap<Long, Long> runs = free.get(pv);
        if (runs == null) {
            return false;
        }
        Map.Entry<Long, Long> run = runs.floorEntry(start);
        return run != null && run.getValue() >= start + length;
    }

    /** Marks {@code [start, start+length)} used; it must be free. */
    public void take(UUID pv, long start, long length) {
        if (!isFree(pv, start, length)) {
            throw new IllegalStateException("PEs " + start + "+" + length + " of " + pv + " are not free");
        }
        NavigableMap<Long, Long> runs = free.get(pv);
        Map.Entry<Long, Long> run = runs.floorEntry(start);
        runs.remove(run.getKey());
        if (run.getKey() < start) {
            runs.put(run.getKey(), start);
        }
        if (start + length < run.getValue()) {
            runs.put(start + length, run.getValue());
        }
    }

    /** Marks {@code [start, start+length)} free again, coalescing with neighbours; it must be in use. */
    void give(UUID pv, long start, long length) {
        NavigableMap<Long, Long> runs = free.get(pv);
        long end = start + length;
        Map.Entry<Long, Long> before = runs.floorEntry(start);
        Map.Entry<Long, Long> after = runs.ceilingEntry(start);
        if ((before != null && before.getValue() > start) || (after != null && after.getKey() < end)) {
            throw new IllegalStateException("PEs " + start + "+" + length + " of " + pv + " are already free");
        }
        long newStart = start;
        long newEnd = end;
        if (before != null && before.getValue() == start) {
            newStart = before.getKey();
            runs.remove(before.getKey());
        }
        if (after != null && after.getKey() == end) {
            newEnd = after.getValue();
            runs.remove(after.getKey());
        }
        runs.put(newStart, newEnd);
    }

    /** This map restricted to the free runs {@code other} has (a VG's free space within a caller's selection). */
    FreeSpaceMap restrictedLike(FreeSpaceMap other) {
        Map<UUID, List<PeRun>> allowed = new HashMap<>();
        for (UUID pv : other.pvs()) {
            allowed.put(pv, other.freeRuns(pv));
        }
        restrictTo(allowed);
        return this;
    }

    /** Keeps only {@code allowed} runs per PV (PVs absent from {@code allowed} lose all free space). */
    public void restrictTo(Map<UUID, List<PeRun>> allowed) {
        for (Map.Entry<UUID, NavigableMap<Long, Long>> e : free.entrySet()) {
            NavigableMap<Long, Long> kept = new TreeMap<>();
            for (PeRun window : allowed.getOrDefault(e.getKey(), List.of())) {
                e.getValue().forEach((s, end) -> {
                    long from = Math.max(s, window.start());
                    long to = Math.min(end, window.end());
                    if (from < to) {
                        kept.merge(from, to, Math::max);
                    }
                });
            }
            e.setValue(coalesce(kept));
        }
    }

    private static NavigableMap<Long, Long> coalesce(NavigableMap<Long, Long> runs) {
        NavigableMap<Long, Long> out = new TreeMap<>();
        for (Map.Entry<Long, Long> r : runs.entrySet()) {
            Map.Entry<Long, Long> last = out.lastEntry();
            if (last != null && last.getValue() >= r.getKey()) {
                out.put(last.getKey(), Math.max(last.getValue(), r.getValue()));
            } else {
                out.put(r.getKey(), r.getValue());
            }
        }
        return out;
    }
}
