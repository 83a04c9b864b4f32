package dev.ferry.daemon.activation;

import dev.ferry.daemon.volume.LogicalVolume;
import dev.ferry.daemon.volume.MoveLogGeometry;
import dev.ferry.daemon.volume.Segment;
import dev.ferry.daemon.volume.VolumeGroup;

/**
 * Geometry of a pvmove's region logs: segment {@code i} of a pvmove LV keeps its disk region log in slice {@code i}
 * (of {@link #sliceBytes} bytes) of the move's log LV, exposed as the mapped device {@link #logDevice}.
 */
public final class PvMoveLogs {
    private PvMoveLogs() {
    }

    /** Regions of one pvmove segment. */
    public static int regions(VolumeGroup vg, Segment s) {
        return MoveLogGeometry.regions(vg.extentSize(), s);
    }

    /** Bytes of one log slice (see {@link MoveLogGeometry}). */
    public static long sliceBytes(VolumeGroup vg, LogicalVolume pvmove) {
        return MoveLogGeometry.sliceBytes(vg.extentSize(), pvmove);
    }

    /** The mapped device name of segment {@code index}'s log slice. */
    public static String logDevice(VolumeGroup vg, LogicalVolume pvmove, int index) {
        return Activator.deviceName(vg.name(), pvmove.move().logLv()) + "_" + index;
    }
}
