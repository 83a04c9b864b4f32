package dev.ferry.daemon.process;

import java.time.Duration;
import java.util.function.LongSupplier;

/** A point in time on an injected monotonic nanosecond clock, by which a stop must be done. */
public final class Deadline {
    private final LongSupplier nanoClock;
    private final long deadlineNanos;

    private Deadline(LongSupplier nanoClock, long deadlineNanos) {
        this.nanoClock = nanoClock;
        this.deadlineNanos = deadlineNanos;
    }

    /** The deadline {@code timeout} from now on {@code nanoClock} (e.g. {@code System::nanoTime}). */
    public static Deadline after(Duration timeout, LongSupplier nanoClock) {
        return new Deadline(nanoClock, nanoClock.getAsLong() + timeout.toNanos());
    }

    /** Time left, never negative. */
    public Duration remaining() {
        return Duration.ofNanos(Math.max(0, deadlineNanos - nanoClock.getAsLong()));
    }

    /** True once the deadline has passed. */
    public boolean expired() {
        return deadlineNanos - nanoClock.getAsLong() <= 0;
    }
}
