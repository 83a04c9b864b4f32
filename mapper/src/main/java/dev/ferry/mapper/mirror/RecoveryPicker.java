package dev.ferry.mapper.mirror;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntPredicate;

/**
 * Chooses what mirror recovery copies next: the out-of-sync regions after a cursor that wraps around, skipping
 * claimed regions and those recovery gave up on ({@link RecoveryShortfall}), and joins a region lying in a scanned
 * hole of the default leg with the hole regions after it ({@link SourceHoles}). Guarded by the recovery's lock
 * (the hole scan is thread-safe itself).
 */
final class RecoveryPicker {

    private final MirrorTarget mirror;
    private final RecoveryShortfall shortfall;
    private final SourceHoles holes = new SourceHoles();
    private int cursor;

    RecoveryPicker(MirrorTarget mirror, RecoveryShortfall shortfall) {
        this.mirror = mirror;
        this.shortfall = shortfall;
    }

    /** Starts the scan of the default leg's holes unless done; then runs {@code then}. */
    void scanHoles(Runnable then) {
        Leg source = mirror.defaultLeg();
        holes.scanOnce(source.device, source.offset, mirror.size(), then);
    }

    /** The next out-of-sync region not {@code claimed} nor given up, or -1. */
    int next(IntPredicate claimed) {
        RegionLog log = mirror.log();
        for (int pass = 0; pass < 2; pass++) {
            int r = log.nextOutOfSync(pass == 0 ? cursor : 0);
            while (r >= 0 && (claimed.test(r) || givenUp(r))) {
                r = r + 1 < log.regionCount() ? log.nextOutOfSync(r + 1) : -1;
            }
            if (r >= 0) {
                cursor = r + 1;
                return r;
            }
        }
        return -1;
    }

    /**
     * Region {@code r}, and if it lies in a scanned hole, the out-of-sync hole regions after it (not {@code claimed},
     * not given up) copied the same way ({@link LegRegions#copyShape}), up to {@value MirrorRecovery#MAX_HOLE_RUN} regions.
     */
    List<Integer> run(int r, IntPredicate claimed) {
        List<Integer> run = new ArrayList<>();
        run.add(r);
        if (!hole(r)) {
            return run;
        }
        RegionLog log = mirror.log();
        long shape = mirror.regions().copyShape(r);
        for (int next = r + 1; run.size() < MirrorRecovery.MAX_HOLE_RUN && next < log.regionCount()
                && !claimed.test(next) && !shortfall.skipped(next) && !log.inSync(next)
                && mirror.regions().copyShape(next) == shape && hole(next); next++) {
            run.add(next);
            cursor = next + 1;
        }
        return run;
    }

    /** Whether {@code region} lay in a hole of the default leg when scanned, and that leg is its source. */
    private boolean hole(int region) {
        long start = mirror.regionStart(region);
        return mirror.regions().source(region) == mirror.defaultLeg()
                && holes.covers(start, start + mirror.regionLength(region));
    }

    /** Whether recovery gave up on {@code region}: now, if it has no good copy (counted once), or earlier. */
    private boolean givenUp(int region) {
        if (!shortfall.skipped(region) && mirror.regions().source(region) == null) {
            shortfall.noGoodCopy(List.of(region));
        }
        return shortfall.skipped(region);
    }
}
