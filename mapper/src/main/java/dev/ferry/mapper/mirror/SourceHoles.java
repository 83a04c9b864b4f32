package dev.ferry.mapper.mirror;

import dev.ferry.mapper.block.BlockDevice;
import dev.ferry.mapper.block.Extent;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The holes of a mirror's default leg as recovery last scanned them, so it can recover a run of hole regions with
 * one copy instead of one per region. The scan runs once, asynchronously, and stops after {@value #MAX_EXTENTS}
 * extents or at an error (no more is known then). The answer may be stale: a copy still asks the source for its
 * allocation after its regions are quiesced, so a region written since is copied as data.
 */
final class SourceHoles {

    /** A heavily fragmented source is not scanned further than this. */
    static final int MAX_EXTENTS = 4096;

    /** Hole start -> end, in mirror-relative bytes. */
    private final TreeMap<Long, Long> holes = new TreeMap<>();
    private boolean started;

    /** Starts the scan of {@code size} bytes of {@code device} from {@code base} unless done; then runs {@code then}. */
    void scanOnce(BlockDevice device, long base, long size, Runnable then) {
        synchronized (this) {
            if (started) {
                return;
            }
            started = true;
        }
        scanFrom(device, base, size, 0, 0, then);
    }

    private void scanFrom(BlockDevice device, long base, long size, long pos, int seen, Runnable then) {
        if (pos >= size || seen >= MAX_EXTENTS) {
            then.run();
            return;
        }
        device.allocation(base + pos, size - pos).whenComplete((extents, err) -> {
            long next = record(extents, err, base, pos);
            if (next <= pos) {
                then.run();
            } else {
                scanFrom(device, base, size, next, seen + extents.size(), then);
            }
        });
    }

    /** Records the holes among {@code extents}; returns where the scan goes on (no further than {@code pos} on error). */
    private synchronized long record(List<Extent> extents, Throwable err, long base, long pos) {
        if (err != null || extents == null || extents.isEmpty() || extents.get(0).offset() != base + pos) {
            return pos;
        }
        long end = pos;
        for (Extent e : extents) {
            long start = e.offset() - base;
            end = e.end() - base;
            if (!e.allocated() || e.zero()) {
                Map.Entry<Long, Long> before = holes.floorEntry(start);
                if (before != null && before.getValue() == start) {
                    holes.put(before.getKey(), end);   // adjoins the previous hole
                } else {
                    holes.put(start, end);
                }
            }
        }
        return end;
    }

    /** Whether {@code [start, end)} lay entirely in one hole when scanned. */
    synchronized boolean covers(long start, long end) {
        Map.Entry<Long, Long> e = holes.floorEntry(start);
        return e != null && e.getValue() >= end;
    }
}
