package dev.ferry.mapper.time;

import java.time.Duration;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;

/**
 * A {@link Scheduler} whose time moves only when a test calls {@link #advance}; due tasks then run on
 * the calling thread in time order (ties in scheduling order).
 */
public final class ManualScheduler implements Scheduler {

    private record Task(long due, long seq, Runnable run, boolean[] cancelled) {
    }

    private final PriorityQueue<Task> tasks = new PriorityQueue<>((a, b) -> a.due != b.due
            ? Long.compare(a.due, b.due) : Long.compare(a.seq, b.seq));
    private long now;
    private long seq;

    @Override
    public synchronized long nanoTime() {
        return now;
    }

    @Override
    public synchronized Cancellable schedule(Runnable task, long delay, TimeUnit unit) {
        boolean[] cancelled = {false};
        Task t = new Task(now + unit.toNanos(Math.max(0, delay)), seq++, task, cancelled);
        tasks.add(t);
        return () -> {
            synchronized (this) {
                boolean removed = tasks.remove(t);
                cancelled[0] = true;
                return removed;
            }
        };
    }

    /** Moves time forward by {@code d}, running every task that becomes due. */
    public void advance(Duration d) {
        long target;
        synchronized (this) {
            target = now + d.toNanos();
        }
        while (true) {
            Task next;
            synchronized (this) {
                next = tasks.peek();
                if (next == null || next.due > target) {
                    now = target;
                    return;
                }
                tasks.poll();
                now = next.due;
            }
            if (!next.cancelled[0]) {
                next.run.run();
            }
        }
    }

    /** Tasks waiting to run. */
    public synchronized int pending() {
        return tasks.size();
    }
}
