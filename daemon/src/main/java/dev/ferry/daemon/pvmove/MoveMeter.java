package dev.ferry.daemon.pvmove;

import java.util.function.LongSupplier;

/**
 * Copy rate of one move: bytes copied per second since the job (re)started, on an injected nanosecond clock, and
 * the ETA it implies.
 */
final class MoveMeter {
    private final LongSupplier nanoClock;
    private long baseNanos = -1;
    private long baseBytes;

    MoveMeter(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    /** MiB/s since the first sample (0 until time has passed). */
    synchronized double mibPerSecond(long copiedBytes) {
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
    static Long eta(long remainingBytes, double mibPerSecond) {
        if (remainingBytes == 0) {
            return 0L;
        }
        if (mibPerSecond <= 0) {
            return null;
        }
        return (long) Math.ceil(remainingBytes / (mibPerSecond * 1024 * 1024));
    }
}
