package dev.ferry.daemon.jobs;

import java.util.function.LongSupplier;

/**
 * Copy rate of one background copy job (a pvmove, a resync): bytes copied per second since the job (re)started, on
 * an injected nanosecond clock, and the ETA it implies.
 */
public final class CopyMeter {
    private final LongSupplier nanoClock;
    private long baseNanos = -1;
    private long baseBytes;

    /** A meter timed by {@code nanoClock}; its first sample is its base. */
    public CopyMeter(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    /** MiB/s since the first sample (0 until time has passed). */
    public synchronized double mibPerSecond(long copiedBytes) {
        long now = nanoClock.getAsLong();
        if (baseNanos < 0) {
            baseNanos = now;
            baseBytes = copiedBytes;
            return 0;
        }
        long elapsed = now - baseNanos;
        if (elapsed <= 0 || copiedBytes <= baseBytes) {
            return 0;
        }
        return (copiedBytes - baseBytes) / (1024.0 * 1024.0) / (elapsed / 1e9);
    }

    /** Seconds left at {@code mibPerSecond}, or null if unknown. */
    public static Long eta(long remainingBytes, double mibPerSecond) {
        if (remainingBytes == 0) {
            return 0L;
        }
        if (mibPerSecond <= 0) {
            return null;
        }
        return (long) Math.ceil(remainingBytes / (mibPerSecond * 1024 * 1024));
    }
}
