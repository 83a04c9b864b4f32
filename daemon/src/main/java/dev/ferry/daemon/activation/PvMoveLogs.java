package dev.ferry.daemon.activation;

import dev.ferry.daemon.volume.LogicalVolume;
import dev.ferry.daemon.volume.Segment;
import dev.ferry.daemon.volume.VolumeGroup;
import dev.ferry.mapper.mirror.DiskRegionLog;

/**
 * Geometry of a pvmove's region logs: segment {@code i} of a pvmove LV keeps its disk region log in slice {@code i}
 * (of {@link #sliceBytes} bytes) of the move's log LV, exposed as the mapped device {@link #logDevice}.
 */
public final class PvMoveLogs {
    private static final long ALIGN = 4096;

    private PvMoveLogs() {
    }

    /** Regions of one pvmove segment. */
    public static int regions(VolumeGroup vg, Segment s) {
        return (int) ((s.extentCount() * vg.extentSize() + s.regionSize() - 1) / s.regionSize());
    }

    /** Bytes of one log slice: room for the log of the pvmove LV's largest segment, 4 KiB aligned. */
    public static long sliceBytes(VolumeGroup vg, LogicalVolume pvmove) {
        int most = pvmove.segments().stream().mapToInt(s -> regions(vg, s)).max().orElse(1);
        return (DiskRegionLog.deviceBytes(most) + ALIGN - 1) / ALIGN * ALIGN;
    }

    /** Extents the log LV needs for every segment of {@code pvmove}. */
    public static long logExtents(VolumeGroup vg, LogicalVolume pvmove) {
        long bytes = sliceBytes(vg, pvmove) * pvmove.segments().size();
        return Math.max(1, (bytes + vg.extentSize() - 1) / vg.extentSize());
    }

    /** The mapped device name of segment {@code index}'s log slice. */
    public static String logDevice(VolumeGroup vg, LogicalVolume pvmove, int index) {
        return Activator.deviceName(vg.name(), pvmove.move().logLv()) + "_" + index;
    }
}
