package dev.ferry.nbd.client.resilient;

import java.util.Map;
import java.util.TreeMap;

/**
 * The byte ranges of the writes (WRITE, WRITE_ZEROES, TRIM) on the wire, which never overlap: a write overlapping
 * one of them waits, so that a resend after a reconnect cannot reorder two writes to the same bytes.
 */
final class OverlapGuard {

    /** Start to end (exclusive) of each write in flight; disjoint by construction. */
    private final TreeMap<Long, Long> inFlight = new TreeMap<>();

    /** Whether {@code [offset, offset + length)} overlaps a write in flight. */
    boolean overlaps(long offset, long length) {
        Map.Entry<Long, Long> e = inFlight.lowerEntry(offset + length);
        return e != null && e.getValue() > offset;
    }

    /** Records a write put on the wire. */
    void add(long offset, long length) {
        if (overlaps(offset, length)) {
            throw new IllegalStateException("write [" + offset + ", +" + length + ") overlaps a write in flight");
        }
        inFlight.put(offset, offset + length);
    }

    /** Forgets the write in flight at {@code offset}. */
    void remove(long offset) {
        inFlight.remove(offset);
    }

    void clear() {
        inFlight.clear();
    }
}
