package dev.ferry.daemon.model;

import java.util.ArrayList;
import java.util.List;
import java.util.SortedSet;

/**
 * A run of logical extents {@code [startLe, startLe + extentCount)} mapped onto areas. A linear segment has one
 * area of {@code extentCount} PEs; a striped one {@code n} areas of {@code extentCount / n} PEs each, striped in
 * chunks of {@code stripeSize} bytes; a piece of a mirrored LV 1-3 copies (legs) of {@code extentCount} PEs each,
 * synchronised in regions of {@code regionSize} bytes.
 */
public record Segment(long startLe, long extentCount, SegmentType type, long stripeSize, long regionSize,
                      List<Area> areas, MoveState moveState) {

    /** Most legs a mirror may have (AIX's limit of three copies). */
    public static final int MAX_MIRROR_LEGS = 3;

    /** Checks the shape: area count fits the type, striped lengths divide, sizes set only where they apply. */
    public Segment {
        areas = List.copyOf(areas);
        if (startLe < 0 || extentCount <= 0) {
            throw new IllegalArgumentException("segment at LE " + startLe + " has " + extentCount + " extents");
        }
        switch (type) {
            case LINEAR -> require(areas.size() == 1 && stripeSize == 0 && regionSize == 0, "linear needs 1 area");
            case STRIPED -> require(areas.size() >= 2 && extentCount % areas.size() == 0 && stripeSize > 0
                    && Long.bitCount(stripeSize) == 1 && regionSize == 0,
                    "striped needs 2+ areas dividing the extent count and a power-of-two stripe size");
            case MIRROR -> require(areas.size() >= 1 && areas.size() <= MAX_MIRROR_LEGS && regionSize > 0
                    && Long.bitCount(regionSize) == 1 && stripeSize == 0,
                    "mirror needs 1-3 legs and a power-of-two region size");
            case PVMOVE -> require(areas.size() == 2 && !areas.get(0).isLv() && !areas.get(1).isLv()
                    && regionSize > 0 && Long.bitCount(regionSize) == 1 && stripeSize == 0 && moveState != null,
                    "pvmove needs a source and a destination PV area, a region size and a state");
            default -> throw new IllegalArgumentException("type " + type);
        }
        if (type != SegmentType.MIRROR && areas.stream().anyMatch(Area::stale)) {
            throw new IllegalArgumentException("invalid segment: only mirror legs can be stale");
        }
        if (type != SegmentType.PVMOVE && moveState != null) {
            throw new IllegalArgumentException("invalid segment: only pvmove segments have a move state");
        }
    }

    /** A segment without a move state (all but pvmove). */
    public Segment(long startLe, long extentCount, SegmentType type, long stripeSize, long regionSize,
                   List<Area> areas) {
        this(startLe, extentCount, type, stripeSize, regionSize, areas, null);
    }

    /** A pvmove segment moving {@code extentCount} PEs from {@code source} to {@code destination}. */
    public static Segment pvmove(long startLe, long extentCount, long regionSize, Area source, Area destination,
                                 MoveState state) {
        return new Segment(startLe, extentCount, SegmentType.PVMOVE, 0, regionSize, List.of(source, destination),
                state);
    }

    /** The same segment in move state {@code state}. */
    public Segment withMoveState(MoveState state) {
        return new Segment(startLe, extentCount, type, stripeSize, regionSize, areas, state);
    }

    /** Leg {@code index}'s area, or null if this piece has fewer copies. */
    public Area leg(int index) {
        return index < areas.size() ? areas.get(index) : null;
    }

    /** The same segment over other areas. */
    public Segment withAreas(List<Area> newAreas) {
        return new Segment(startLe, extentCount, type, stripeSize, regionSize, newAreas, moveState);
    }

    private static void require(boolean ok, String what) {
        if (!ok) {
            throw new IllegalArgumentException("invalid segment: " + what);
        }
    }

    /** A linear segment. */
    public static Segment linear(long startLe, long extentCount, Area area) {
        return new Segment(startLe, extentCount, SegmentType.LINEAR, 0, 0, List.of(area));
    }

    /** PEs each area covers. */
    public long areaLength() {
        return type == SegmentType.STRIPED ? extentCount / areas.size() : extentCount;
    }

    /** First LE after this segment. */
    public long endLe() {
        return startLe + extentCount;
    }

    /** The same layout over {@code newAreas} and {@code newCount} extents, starting at {@code newStart}. */
    public Segment reshaped(long newStart, long newCount, List<Area> newAreas) {
        return new Segment(newStart, newCount, type, stripeSize, regionSize, newAreas, moveState);
    }

    /**
     * This segment cut into consecutive pieces at {@code offsets} (extents from its start; those outside
     * {@code (0, extentCount)} are ignored), each piece's areas advanced by its offset.
     */
    public List<Segment> cutAt(SortedSet<Long> offsets) {
        List<Segment> out = new ArrayList<>();
        long from = 0;
        for (long cut : offsets) {
            if (cut > from && cut < extentCount) {
                out.add(piece(from, cut));
                from = cut;
            }
        }
        out.add(piece(from, extentCount));
        return out;
    }

    private Segment piece(long from, long to) {
        return reshaped(startLe + from, to - from, areas.stream().map(a -> a.plus(from)).toList());
    }
}
