package dev.ferry.mapper.time;

import java.util.concurrent.TimeUnit;

/**
 * The mapper's only source of time: a monotonic clock plus delayed tasks, injected so that tests can
 * drive time by hand instead of sleeping.
 */
public interface Scheduler {

    /** Monotonic time in nanoseconds; only differences are meaningful. */
    long nanoTime();

    /**
     * Runs {@code task} once, no earlier than {@code delay} from now, on a thread of the scheduler's
     * choosing. Tasks due at the same time run in the order they were scheduled.
     */
    Cancellable schedule(Runnable task, long delay, TimeUnit unit);

    /** A scheduled task that may still be cancelled. */
    @FunctionalInterface
    interface Cancellable {
        /** Prevents the task from running if it has not started; true if this call prevented it. */
        boolean cancel();
    }

    /** The process-wide real-time scheduler (one daemon thread). */
    static Scheduler system() {
        return SystemScheduler.INSTANCE;
    }
}
