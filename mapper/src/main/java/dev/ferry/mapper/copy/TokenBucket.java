package dev.ferry.mapper.copy;

/**
 * A token bucket of bytes refilled at a changeable rate (0 = unlimited), holding at most 100 ms of
 * rate and never less than one chunk so every chunk can pass.
 */
final class TokenBucket {

    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final long BURST_DIVISOR = 10;

    private final long minCapacity;
    private long rate;
    private double tokens;
    private long last;

    TokenBucket(long rate, long minCapacity, long now) {
        if (rate < 0) {
            throw new IllegalArgumentException("rate limit must be >= 0 bytes/s, got " + rate);
        }
        this.minCapacity = minCapacity;
        this.rate = rate;
        this.last = now;
        this.tokens = capacity();
    }

    /** The nanoseconds until {@code bytes} tokens are there (0 if they are), taking none. */
    synchronized long waitFor(long bytes, long now) {
        if (rate == 0) {
            return 0;
        }
        refill(now);
        if (tokens >= bytes) {
            return 0;
        }
        double missing = bytes - tokens;
        return Math.max(1, (long) Math.ceil(missing * NANOS_PER_SECOND / rate));
    }

    /** Takes {@code bytes} tokens (after {@link #waitFor} said they are there). */
    synchronized void take(long bytes) {
        if (rate != 0) {
            tokens -= bytes;
        }
    }

    /** Gives back {@code bytes} tokens taken and not used, up to the bucket's size. */
    synchronized void give(long bytes) {
        if (rate != 0) {
            tokens = Math.min(capacity(), tokens + bytes);
        }
    }

    synchronized void setRate(long newRate, long now) {
        if (newRate < 0) {
            throw new IllegalArgumentException("rate limit must be >= 0 bytes/s, got " + newRate);
        }
        refill(now);
        rate = newRate;
        tokens = Math.min(tokens, capacity());
    }

    synchronized long rate() {
        return rate;
    }

    private long capacity() {
        return Math.max(minCapacity, rate / BURST_DIVISOR);
    }

    private void refill(long now) {
        long elapsed = now - last;
        last = now;
        if (elapsed > 0 && rate > 0) {
            tokens = Math.min(capacity(), tokens + (double) elapsed * rate / NANOS_PER_SECOND);
        }
    }
}
