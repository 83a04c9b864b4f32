package dev.ferry.nbd.client.resilient;

import java.util.List;

/**
 * Which acknowledged writes are not yet known to be durable, so that a FLUSH never succeeds over writes a
 * reconnect may have lost.
 *
 * <p>{@code acked}: WRITE and WRITE_ZEROES acknowledged without FUA on the current connection and not yet handed to
 * a FLUSH. A FLUSH, when sent, takes the current set as its snapshot ({@link #beginFlush}); its success makes the
 * snapshot durable (a FLUSH covers the writes completed before it was sent), a server error puts it back. When the
 * connection is lost, {@code acked} and the snapshots of FLUSHes in flight move to {@code lost}: acknowledged,
 * never flushed, and the server may have dropped them (unless a complete {@link ReplayJournal} replays them). A
 * range leaves {@code lost} only when a later write, FUA
 * write, WRITE_ZEROES or TRIM acknowledged on a live connection replaces its contents, or by
 * {@link #acknowledgeLost}; until then a READ overlapping it is refused ({@link NbdLostDataReadException}), since the
 * server may hold older data there. Both sets are bounded {@link DirtyRanges}.
 */
final class FlushLedger {

    private final long size;
    private final int maxRanges;
    private DirtyRanges acked;
    private final DirtyRanges lost;

    FlushLedger(long size, int maxRanges) {
        this.size = size;
        this.maxRanges = maxRanges;
        this.acked = new DirtyRanges(size, maxRanges);
        this.lost = new DirtyRanges(size, maxRanges);
    }

    /** A write or WRITE_ZEROES was acknowledged; {@code durable} when it carried FUA. */
    void written(long offset, long length, boolean durable) {
        lost.subtract(offset, length);
        if (durable) {
            acked.subtract(offset, length);
        } else {
            acked.add(offset, length);
        }
    }

    /** A TRIM was acknowledged: the range's contents no longer matter. */
    void trimmed(long offset, long length) {
        lost.subtract(offset, length);
        acked.subtract(offset, length);
    }

    /** A FLUSH is being sent: it covers what was acknowledged so far, returned as its snapshot. */
    DirtyRanges beginFlush() {
        DirtyRanges snapshot = acked;
        acked = new DirtyRanges(size, maxRanges);
        return snapshot;
    }

    /** The server failed a FLUSH: its snapshot is still not durable. */
    void flushFailed(DirtyRanges snapshot) {
        acked.addAll(snapshot);
    }

    /**
     * A FLUSH was lost with its connection: its snapshot may be lost too, unless {@code replayed} (a complete
     * {@link ReplayJournal} writes it again before any FLUSH).
     */
    void flushLost(DirtyRanges snapshot, boolean replayed) {
        if (!replayed) {
            lost.addAll(snapshot);
        }
    }

    /**
     * The connection was lost: everything acknowledged on it and not flushed may be lost, unless {@code replayed}
     * (a complete {@link ReplayJournal} writes it all again before any FLUSH).
     */
    void connectionLost(boolean replayed) {
        if (!replayed) {
            lost.addAll(acked);
        }
        acked.clear();
    }

    /** A replay of acknowledged data failed: its range may be lost. */
    void replayFailed(long offset, long length) {
        lost.add(offset, length);
    }

    /** Whether writes may have been lost. */
    boolean hasLost() {
        return !lost.isEmpty();
    }

    /** Whether {@code [offset, offset + length)} overlaps a range that may have been lost. */
    boolean lostOverlaps(long offset, long length) {
        return lost.overlaps(offset, length);
    }

    /** The ranges that may have been lost. */
    List<ByteRange> lost() {
        return lost.ranges();
    }

    /** Forgets the lost ranges (their owner took responsibility) and returns them. */
    List<ByteRange> acknowledgeLost() {
        List<ByteRange> out = lost.ranges();
        lost.clear();
        return out;
    }
}
