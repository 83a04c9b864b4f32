package dev.ferry.nbd.client.resilient;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A set of byte ranges with bounded memory: overlapping and adjacent ranges merge, and once more than
 * {@code maxRanges} disjoint ranges would be kept the set becomes the whole export {@code [0, size)} (conservative:
 * everything counts as dirty). Not thread-safe.
 */
final class DirtyRanges {

    private final long size;
    private final int maxRanges;
    /** Disjoint, non-adjacent ranges: start to end (exclusive). */
    private final TreeMap<Long, Long> ranges = new TreeMap<>();

    DirtyRanges(long size, int maxRanges) {
        this.size = size;
        this.maxRanges = maxRanges;
    }

    /** Adds {@code [offset, offset + length)}. */
    void add(long offset, long length) {
        if (length <= 0) {
            return;
        }
        long start = offset;
        long end = offset + length;
        Map.Entry<Long, Long> before = ranges.floorEntry(start);
        if (before != null && before.getValue() >= start) {
            start = before.getKey();
            end = Math.max(end, before.getValue());
            ranges.remove(before.getKey());
        }
        for (Map.Entry<Long, Long> e = ranges.ceilingEntry(start); e != null && e.getKey() <= end;
                e = ranges.ceilingEntry(start)) {
            end = Math.max(end, e.getValue());
            ranges.remove(e.getKey());
        }
        ranges.put(start, end);
        bound();
    }

    /** Adds every range of {@code other}. */
    void addAll(DirtyRanges other) {
        other.ranges.forEach((start, end) -> add(start, end - start));
    }

    /** Removes {@code [offset, offset + length)}. */
    void subtract(long offset, long length) {
        if (length <= 0 || ranges.isEmpty()) {
            return;
        }
        long end = offset + length;
        Map.Entry<Long, Long> before = ranges.lowerEntry(offset);
        if (before != null && before.getValue() > offset) {
            ranges.put(before.getKey(), offset);
            if (before.getValue() > end) {
                ranges.put(end, before.getValue());
                bound();
                return;
            }
        }
        for (Map.Entry<Long, Long> e = ranges.ceilingEntry(offset); e != null && e.getKey() < end;
                e = ranges.ceilingEntry(offset)) {
            ranges.remove(e.getKey());
            if (e.getValue() > end) {
                ranges.put(end, e.getValue());
                break;
            }
        }
    }

    /** Whether any range overlaps {@code [offset, offset + length)}. */
    boolean overlaps(long offset, long length) {
        if (length <= 0 || ranges.isEmpty()) {
            return false;
        }
        Map.Entry<Long, Long> at = ranges.lowerEntry(offset + length);
        return at != null && at.getValue() > offset;
    }

    boolean isEmpty() {
        return ranges.isEmpty();
    }

    void clear() {
        ranges.clear();
    }

    /** The ranges in offset order. */
    List<ByteRange> ranges() {
        List<ByteRange> out = new ArrayList<>(ranges.size());
        ranges.forEach((start, end) -> out.add(new ByteRange(start, end - start)));
        return out;
    }

    private void bound() {
        if (ranges.size() > maxRanges) {
            ranges.clear();
            ranges.put(0L, size);
        }
    }
}
