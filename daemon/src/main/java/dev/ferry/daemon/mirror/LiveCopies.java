package dev.ferry.daemon.mirror;

import dev.ferry.mapper.mirror.MirrorTarget;
import java.util.BitSet;
import java.util.List;

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
}
