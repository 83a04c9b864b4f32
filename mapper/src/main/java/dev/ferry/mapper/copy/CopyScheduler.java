package dev.ferry.mapper.copy;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The time source and timer the copier paces itself with; injected so tests can drive time by hand.
 * (A minimal local interface: the mapper-wide scheduler abstraction may replace it.)
 */
public interface CopyScheduler {

    /** A monotonic time in nanoseconds. */
    long nanoTime();

    /** Runs {@code task} once, about {@code delayNanos} from now, on some thread. */
    void schedule(Runnable task, long delayNanos);

    /** A scheduler on the system clock running tasks on {@code executor}. */
    static CopyScheduler system(ScheduledExecutorService executor) {
        return new CopyScheduler() {
            @Override
            public long nanoTime() {
                return System.nanoTime();
            }

            @Override
            public void schedule(Runnable task, long delayNanos) {
                executor.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
            }
        };
    }
}
