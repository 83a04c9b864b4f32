package dev.ferry.mapper.device;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of one {@link MappedDevice}: requests submitted (the foreground activity a background copier yields
 * to) and how long the last suspend held new I/O behind the closed gate.
 */
public final class DeviceStats {

    private final LongAdder submitted = new LongAdder();
    private boolean held;
    private long heldSince;
    private volatile long lastHoldNanos = -1;

    /** Counts one read, write, discard, write-zeroes or file span. */
    void countRequest() {
        submitted.increment();
    }

    /** Reads (file spans included), writes, discards and write-zeroes submitted so far; flushes are not counted. */
    public long requests() {
        return submitted.sum();
    }

    /** The gate closed for a suspend at {@code now}. */
    synchronized void gateClosed(long now) {
        held = true;
        heldSince = now;
    }

    /** The gate reopened at {@code now}: if a suspend had closed it, records how long it held I/O. */
    void gateReopened(long now) {
        synchronized (this) {
            if (!held) {
                return;
            }
            held = false;
        }
        lastHoldNanos = now - heldSince;
    }

    /**
     * How long new I/O was held by the last suspend that closed the gate, from the gate closing until it
     * reopened (on resume, or when the suspend failed); -1 if none has reopened yet.
     */
    public long lastHoldNanos() {
        return lastHoldNanos;
    }
}
