package dev.ferry.daemon.testing;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** Polls a condition until it holds or a deadline passes (tests never sleep-and-hope). */
public final class Poll {

    /** The first pauses between checks: a condition that holds soon is seen within this. */
    private static final long MIN_PAUSE_NANOS = 5_000_000;
    /**
     * The longest pause between checks. Many conditions are control API calls that cost the test JVM and the daemon a
     * few milliseconds of CPU each, so checking every 5 ms through a copy of several seconds kept half a core busy
     * (taken from the daemon and from the other test fork on a 2-core machine).
     */
    private static final long MAX_PAUSE_NANOS = 50_000_000;

    private Poll() {
    }

    /**
     * Waits until {@code condition} holds; fails with {@code what} after {@code timeout}. It checks every 5 ms at
     * first; the pause then grows with the time waited (a tenth of it, at most 50 ms), so seeing the condition late
     * adds at most a tenth to the wait.
     */
    public static void until(Duration timeout, String what, BooleanSupplier condition) {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            long now = System.nanoTime();
            if (now - deadline > 0) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            LockSupport.parkNanos(Math.min(MAX_PAUSE_NANOS, Math.max(MIN_PAUSE_NANOS, (now - start) / 10)));
        }
    }
}
