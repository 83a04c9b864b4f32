package dev.ferry.mapper.testing;

import dev.ferry.mapper.copy.CopyScheduler;
import java.util.PriorityQueue;

/** A scheduler whose time moves only when a test calls {@link #advance}; due tasks run on the caller. */
public final class ManualScheduler implements CopyScheduler {

    private record Task(long due, long seq, Runnable run) { }

    private final PriorityQueue<Task> tasks = new PriorityQueue<>(
            (a, b) -> a.due != b.due ? Long.compare(a.due, b.due) : Long.compare(a.seq, b.seq));
    private long now;
    private long seq;

    @Override
    public synchronized long nanoTime() {
        return now;
    }

    @Override
    public synchronized void schedule(Runnable task, long delayNanos) {
        tasks.add(new Task(now + Math.max(0, delayNanos), seq++, task));
    }

    /** Moves time forward by {@code nanos}, running every task that falls due, in due order. */
    public void advance(long nanos) {
        long target;
        synchronized (this) {
            target = now + nanos;
        }
        while (true) {
            Task t;
            synchronized (this) {
                t = tasks.peek();
                if (t == null || t.due > target) {
                    now = target;
                    return;
                }
                tasks.poll();
                now = Math.max(now, t.due);
            }
            t.run.run();
        }
    }

    /** Tasks waiting. */
    public synchronized int pending() {
        return tasks.size();
    }
}
