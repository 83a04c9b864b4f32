package dev.ferry.mapper.device;

import dev.ferry.mapper.time.Scheduler;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counters of one {@link MappedDevice}: when a request was last submitted (the foreground activity a background
 * copier yields to), how long the last suspend held new I/O behind the closed gate, how long the old table of
 * the last live replace drained, and running totals for metrics (suspends, the time they held I/O, tables made
 * live).
 */
public final class DeviceStats {

    /** The time of the last request is stored at most this often, so busy devices rarely write it. */
    private static final long LAST_REQUEST_GRANULARITY_NANOS = 1_000_000;
    private final Scheduler clock;
    private volatile long lastRequestNanos;
    private volatile boolean anyRequest;
    private boolean held;
    private long heldSince;
    private volatile long lastHoldNanos = -1;
    private volatile long lastReplaceDrainNanos = -1;
    private volatile long suspends;
    private volatile long holds;
    private volatile long heldNanos;
    private final AtomicLong tableSwaps = new AtomicLong();

    DeviceStats(Scheduler clock) {
        this.clock = clock;
    }

    /** Notes one read, write, discard, write-zeroes or file span (flushes are not counted). */
    void countRequest() {
        long now = clock.nanoTime();
        if (!anyRequest || now - lastRequestNanos > LAST_REQUEST_GRANULARITY_NANOS) {
            lastRequestNanos = now;
            anyRequest = true;
        }
    }

    /** Whether a request was submitted within {@code windowNanos} of the device's clock (to 1 ms). */
    public boolean requestedWithin(long windowNanos) {
        return anyRequest && clock.nanoTime() - lastRequestNanos < windowNanos;
    }

    /** The gate closed for a suspend at {@code now}. */
    synchronized void gateClosed(long now) {
        held = true;
        heldSince = now;
        suspends++;
    }

    /** The gate reopened at {@code now}: if a suspend had closed it, records how long it held I/O. */
    void gateReopened(long now) {
        long hold;
        synchronized (this) {
            if (!held) {
                return;
            }
            held = false;
            hold = now - heldSince;
            heldNanos += hold;
            holds++;
        }
        lastHoldNanos = hold;
    }

    /** A loaded table became the live one (on resume or a live replace, the device's first table included). */
    void tableSwapped() {
        tableSwaps.incrementAndGet();
    }

    /** Suspends that closed the gate (new I/O queued) since the device was created. */
    public long suspends() {
        return suspends;
    }

    /** Suspends whose gate has reopened since the device was created: the count behind {@link #heldNanos()}. */
    public long holds() {
        return holds;
    }

    /** Total time new I/O was held behind a closed gate by the suspends counted in {@link #holds()}. */
    public long heldNanos() {
        return heldNanos;
    }

    /** Tables made live since the device was created, its first table included. */
    public long tableSwaps() {
        return tableSwaps.get();
    }

    /** A live table replace ended: the old table's requests took {@code drainNanos} to finish after the swap. */
    void replaced(long drainNanos) {
        lastReplaceDrainNanos = drainNanos;
    }

    /**
     * How long the old table's requests still ran after the last live replace (no I/O waited for them); -1 if
     * none has ended yet.
     */
    public long lastReplaceDrainNanos() {
        return lastReplaceDrainNanos;
    }

    /**
     * How long new I/O was held by the last suspend that closed the gate, from the gate closing until it
     * reopened (on resume, or when the suspend failed); -1 if none has reopened yet.
     */
    public long lastHoldNanos() {
        return lastHoldNanos;
    }
}
