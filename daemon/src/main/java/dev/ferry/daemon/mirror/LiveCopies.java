package dev.ferry.daemon.mirror;

import dev.ferry.mapper.mirror.MirrorTarget;
import java.time.Duration;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/** What the live mirror of an active mirrored LV says about the copies of its logical extents. */
final class LiveCopies {
    /** How often a wait for recovery looks whether the LV's live mirror was replaced. */
    static final long FOLLOW_MILLIS = 100;

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

    /** Bytes of {@code copies} (one LE each) that {@code mirror} has stale, counted per region piece in the LE. */
    static long staleBytes(MirrorTarget mirror, List<StaleMarks.Copy> copies, long extentSize) {
        BitSet[] stale = new BitSet[mirror.legCount()];
        long region = mirror.regionSize();
        long bytes = 0;
        for (StaleMarks.Copy c : copies) {
            if (c.leg() >= stale.length) {
                continue;
            }
            if (stale[c.leg()] == null) {
                stale[c.leg()] = mirror.staleRegions(c.leg());
            }
            long from = c.le() * extentSize;
            long to = from + extentSize;
            for (int r = stale[c.leg()].nextSetBit((int) (from / region)); r >= 0 && r * region < to;
                    r = stale[c.leg()].nextSetBit(r + 1)) {
                bytes += Math.min(to, (r + 1) * region) - Math.max(from, r * region);
            }
        }
        return bytes;
    }

    /**
     * Waits, at most {@code deadline}, until the background recovery of the LV's live mirror (as {@code live} gives
     * it, null when there is none) has ended, however it ended, and returns that mirror. A reload meanwhile (a PV of
     * the LV lost, say) replaces the mirror, whose recovery then never ends, so the wait follows the live one,
     * looking every {@link #FOLLOW_MILLIS} ms.
     */
    static MirrorTarget awaitRecovery(Supplier<MirrorTarget> live, Duration deadline) {
        long end = System.nanoTime() + deadline.toNanos();
        MirrorTarget mirror = live.get();
        while (mirror != null) {
            long left = end - System.nanoTime();
            try {
                mirror.recoveryFinished().get(Math.min(left, TimeUnit.MILLISECONDS.toNanos(FOLLOW_MILLIS)),
                        TimeUnit.NANOSECONDS);
                return mirror;
            } catch (ExecutionException e) {
                return mirror;   // the caller reads which copies are still stale
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return mirror;
            } catch (TimeoutException e) {
                MirrorTarget now = live.get();
                if (now == null || left <= TimeUnit.MILLISECONDS.toNanos(FOLLOW_MILLIS)) {
                    return mirror;
                }
                mirror = now;
            }
        }
        return null;
    }
}
