package dev.ferry.daemon.volume;

import dev.ferry.mapper.mirror.DiskRegionLog;

/**
 * Where a pvmove keeps its region logs: segment {@code i} of a pvmove LV uses slice {@code i} of {@link #sliceBytes}
 * bytes of the move's log LV, large enough for the disk log of the LV's largest segment.
 */
public final class MoveLogGeometry {
    private static final long ALIGN = 4096;

    private MoveLogGeometry() {
    }

    /** Regions of one pvmove segment. */
    public static int regions(long extentSize, Segment s) {
        return (int) ((s.extentCount() * extentSize + s.regionSize() - 1) / s.regionSize());
    }

    /** Bytes of one log slice, 4 KiB aligned. */
    public static long sliceBytes(long extentSize, LogicalVolume pvmove) {
        int most = pvmove.segments().stream().mapToInt(s -> regions(extentSize, s)).max().orElse(1);
        return (DiskRegionLog.deviceBytes(most) + ALIGN - 1) / ALIGN * ALIGN;
    }

    /** Extents the log LV needs for every segment of {@code pvmove}. */
    public static long logExtents(long extentSize, LogicalVolume pvmove) {
        long bytes = sliceBytes(extentSize, pvmove) * pvmove.segments().size();
        return Math.max(1, (bytes + extentSize - 1) / extentSize);
    }
}
