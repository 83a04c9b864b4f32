package dev.ferry.daemon.mirror;

import dev.ferry.mapper.mirror.MirrorTarget;
import java.time.Duration;
import java.util.BitSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** What the live mirror of an active mirrored LV says about the copies of its logical extents. */
final class LiveCopies {
    private LiveCopies() {
    }

    /** Whether the copy of LE {@code le} on leg {@code leg} has a stale region in {@code mirror}. */
    static boolean stale(MirrorTarget mirror, int leg, long le, long extentSize) {
        if (leg >= mirror.legCount()) {
            return false;
        }
        BitSet regions = mirror.staleRegions(leg);
        int first = (int) (le * extentSize / mirror.regionSize());
        int last = (int) (((le + 1) * extentSize - 1) / mirror.regionSize());
        int next = regions.nextSetBit(first);
        return next >= 0 && next <= last;
    }

    /** Whether any of the first {@code copies} copies of LE {@code le} has a stale region in {@code mirror}. */
    static boolean anyStale(MirrorTarget mirror, int copies, long le, long extentSize) {
        for (int leg = 0; leg < copies; leg++) {
            if (stale(mirror, leg, le, extentSize)) {
                return true;
            }
        }
        return false;
    }

    /** Waits until {@code mirror}'s background recovery has ended (however it ended), at most {@code deadline}. */
    static void awaitRecovery(MirrorTarget mirror, Duration deadline) {
        try {
            mirror.recoveryFinished().get(deadline.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException | ExecutionException e) {
            return;   // the caller reads which copies are still stale
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
