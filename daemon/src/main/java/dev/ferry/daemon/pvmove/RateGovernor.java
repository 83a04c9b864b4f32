package dev.ferry.daemon.pvmove;

/**
 * Backs a move's copy rate off when foreground latency rises (AIMD): each probe of foreground latency is compared
 * with a slowly adapting baseline; a probe above {@code factor} times the baseline (and at least 1 ms above it)
 * halves the effective rate (starting from the configured limit, or the observed copy rate when unlimited),
 * never below {@code floor}; calm probes raise it by a quarter until it reaches the rate it backed off from, when
 * the configured limit applies again.
 */
final class RateGovernor {
    private static final long MIN_EXCESS_NANOS = 1_000_000;
    private final long floor;
    private final double factor;
    private double baseline = -1;
    private long current;
    private long ceiling;

    /** A governor that never throttles below {@code floor} bytes/s and reacts to {@code factor}x latency. */
    RateGovernor(long floor, double factor) {
        if (floor <= 0 || factor <= 1) {
            throw new IllegalArgumentException("floor must be > 0 and factor > 1");
        }
        this.floor = floor;
        this.factor = factor;
    }

    /**
     * The rate limit to apply after a probe.
     *
     * @param configured   the move's limit in bytes/s (0 = none)
     * @param latencyNanos how long the foreground probe took
     * @param observed     the copy rate measured lately in bytes/s (a starting point when unlimited)
     * @return bytes/s, 0 = unlimited
     */
    synchronized long next(long configured, long latencyNanos, long observed) {
        if (baseline < 0) {
            baseline = latencyNanos;
            return configured;
        }
        boolean high = latencyNanos > baseline * factor && latencyNanos - baseline > MIN_EXCESS_NANOS;
        if (high) {
            long start = current > 0 ? current : configured > 0 ? configured : Math.max(observed, floor * 2);
            if (current == 0) {
                ceiling = start;
            }
            current = Math.max(floor, start / 2);
        } else {
            baseline = Math.min(latencyNanos, baseline * 0.9 + latencyNanos * 0.1);
            if (current > 0) {
                current += Math.max(1, current / 4);
                if (current >= ceiling) {
                    current = 0;
                }
            }
        }
        return effective(configured);
    }

    /** True while backing off. */
    synchronized boolean throttling() {
        return current > 0;
    }

    private long effective(long configured) {
        if (current == 0) {
            return configured;
        }
        return configured == 0 ? current : Math.min(current, configured);
    }
}
