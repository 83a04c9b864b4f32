package dev.ferry.daemon.activation;

import dev.ferry.daemon.model.LogicalVolume;
import dev.ferry.daemon.model.Segment;
import dev.ferry.daemon.model.VolumeGroup;
import dev.ferry.mapper.mirror.DiskRegionLog;

/**
 * Where mirrored segments keep their disk region logs: a log LV cut into equal slices, slice {@code i} holding the
 * log of segment {@code i} of the LV it serves and activated as the mapped device {@link #logDevice}. A slice is
 * 4 KiB aligned and large enough for the disk log of the LV's largest segment. A pvmove LV's log LV is
 * {@code move().logLv()}.
 */
public final class RegionLogSlices {
    private static final long ALIGN = 4096;

    private RegionLogSlices() {
    }

    /** Regions of one segment. */
    public static int regions(long extentSize, Segment s) {
        return (int) ((s.extentCount() * extentSize + s.regionSize() - 1) / s.regionSize());
    }

    /** Bytes of one log slice of {@code lv}, 4 KiB aligned. */
    public static long sliceBytes(long extentSize, LogicalVolume lv) {
        int most = lv.segments().stream().mapToInt(s -> regions(extentSize, s)).max().orElse(1);
        return (DiskRegionLog.deviceBytes(most) + ALIGN - 1) / ALIGN * ALIGN;
    }

    /** Extents the log LV needs for every segment of {@code lv}. */
    public static long logExtents(long extentSize, LogicalVolume lv) {
        long bytes = sliceBytes(extentSize, lv) * lv.segments().size();
        return Math.max(1, (bytes + extentSize - 1) / extentSize);
    }

    /** The mapped device name of the log slice of segment {@code index} of pvmove LV {@code pvmove}. */
    public static String logDevice(VolumeGroup vg, LogicalVolume pvmove, int index) {
        return Activator.deviceName(vg.name(), pvmove.move().logLv()) + "_" + index;
    }
}
