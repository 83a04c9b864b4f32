package dev.ferry.daemon.jobs;

import java.util.function.LongSupplier;

/** When a background job started and ended, on an injected nanosecond clock. */
public final class JobTimer {
    private final LongSupplier nanoClock;
    private final long startedNanos;
    private volatile long endedNanos = -1;

    /** A timer started at {@code startedNanos} of {@code nanoClock}. */
    public JobTimer(LongSupplier nanoClock, long startedNanos) {
        this.nanoClock = nanoClock;
        this.startedNanos = startedNanos;
    }

    /** Marks the end of the job (now). */
    public void end() {
        endedNanos = nanoClock.getAsLong();
    }

    /** Seconds from the start to the end, or to now while the job runs. */
    public double elapsedSeconds() {
        long end = endedNanos >= 0 ? endedNanos : nanoClock.getAsLong();
        return (end - startedNanos) / 1e9;
    }
}
