package dev.ferry.daemon.model;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * A logical volume: an ordered, gap-free list of segments covering LEs {@code 0..extentCount-1}; {@code move} is set
 * on a pvmove LV, {@code mirror} on a mirrored LV (LVM's {@code mirror} type).
 */
public record LogicalVolume(String name, UUID uuid, boolean hidden, Set<LvFlag> status, AllocationPolicy alloc,
                            List<Segment> segments, MoveOptions move, MirrorOptions mirror) {

    /** Copies collections and checks the segments are in LE order without gaps. */
    public LogicalVolume {
        status = status.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(status));
        segments = List.copyOf(segments);
        long next = 0;
        for (Segment s : segments) {
            if (s.startLe() != next) {
                throw new IllegalArgumentException("LV " + name + ": segment starts at LE " + s.startLe()
                        + ", expected " + next);
            }
            next = s.endLe();
        }
    }

    /** An LV that is neither a pvmove LV nor mirrored. */
    public LogicalVolume(String name, UUID uuid, boolean hidden, Set<LvFlag> status, AllocationPolicy alloc,
                         List<Segment> segments) {
        this(name, uuid, hidden, status, alloc, segments, null, null);
    }

    /** A new visible read-write LV. */
    public static LogicalVolume create(String name, AllocationPolicy alloc, List<Segment> segments) {
        return new LogicalVolume(name, UUID.randomUUID(), false, EnumSet.of(LvFlag.READ, LvFlag.WRITE), alloc,
                segments);
    }

    /** Total logical extents. */
    public long extentCount() {
        return segments.isEmpty() ? 0 : segments.get(segments.size() - 1).endLe();
    }

    /** The last segment, or null if none. */
    public Segment lastSegment() {
        return segments.isEmpty() ? null : segments.get(segments.size() - 1);
    }

    /** True if the LV has {@code flag}. */
    public boolean has(LvFlag flag) {
        return status.contains(flag);
    }

    /** The same LV with other segments. */
    public LogicalVolume withSegments(List<Segment> newSegments) {
        return new LogicalVolume(name, uuid, hidden, status, alloc, newSegments, move, mirror);
    }

    /** The same LV under another name. */
    public LogicalVolume withName(String newName) {
        return new LogicalVolume(newName, uuid, hidden, status, alloc, segments, move, mirror);
    }

    /** The same LV with other status flags. */
    public LogicalVolume withStatus(Set<LvFlag> newStatus) {
        return new LogicalVolume(name, uuid, hidden, newStatus, alloc, segments, move, mirror);
    }

    /** The same LV with other move options. */
    public LogicalVolume withMove(MoveOptions newMove) {
        return new LogicalVolume(name, uuid, hidden, status, alloc, segments, newMove, mirror);
    }

    /** The same LV with other mirror options (null: not mirrored). */
    public LogicalVolume withMirror(MirrorOptions newMirror) {
        return new LogicalVolume(name, uuid, hidden, status, alloc, segments, move, newMirror);
    }

    /** True for a mirrored LV (LVM's {@code mirror} type). */
    public boolean mirrored() {
        return mirror != null;
    }

    /** Most copies any of its logical extents has: the mirror's leg count (1 for unmirrored LVs). */
    public int copies() {
        return mirror == null ? 1 : segments.stream().mapToInt(s -> s.areas().size()).max().orElse(1);
    }
}
