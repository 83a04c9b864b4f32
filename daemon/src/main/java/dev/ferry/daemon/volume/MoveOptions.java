package dev.ferry.daemon.volume;

import java.util.Collection;
import java.util.UUID;

/**
 * The persisted options of a pvmove, carried by its hidden LV: the source PV, {@code --atomic}, the rate limit in
 * bytes/s (0 = none), the allocation policy used, and the name of the LV holding the region logs.
 */
public record MoveOptions(UUID source, boolean atomic, long rateLimit, AllocationPolicy alloc, String logLv) {
    /** Validates the fields. */
    public MoveOptions {
        if (source == null || rateLimit < 0 || alloc == null || logLv == null) {
            throw new IllegalArgumentException("bad move options");
        }
    }

    /** The copy rate all moves of {@code vgs} allow together: the sum of their limits, 0 if any is unlimited. */
    public static long combinedRate(Collection<VolumeGroup> vgs) {
        long sum = 0;
        for (VolumeGroup vg : vgs) {
            for (LogicalVolume lv : vg.lvs()) {
                if (lv.move() != null) {
                    if (lv.move().rateLimit() == 0) {
                        return 0;
                    }
                    sum += lv.move().rateLimit();
                }
            }
        }
        return sum;
    }

    /** The same options with another rate limit. */
    public MoveOptions withRate(long bytesPerSecond) {
        return new MoveOptions(source, atomic, bytesPerSecond, alloc, logLv);
    }
}
