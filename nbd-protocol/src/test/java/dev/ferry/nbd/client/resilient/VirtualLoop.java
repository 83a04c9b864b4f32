package dev.ferry.nbd.client.resilient;

import java.util.PriorityQueue;

/** A {@link Loop} in virtual time on the test's thread: tasks run in (time, submission) order, deterministically. */
final class VirtualLoop implements Loop {

    private record Task(long at, long seq, Runnable body, boolean[] cancelled) {
    }

    private final PriorityQueue<Task> tasks = new PriorityQueue<>((a, b) -> a.at != b.at
            ? Long.compare(a.at, b.at) : Long.compare(a.seq, b.seq));
    private long now;
    private long seq;

    @Override
    public long nanoTime() {
        return now;
    }

    @Override
    public boolean inLoop() {
        return true;
    }

    @Override
    public void execute(Runnable task) {
        schedule(task, 0);
    }

    @Override
    public Runnable schedule(Runnable task, long delayNanos) {
        boolean[] cancelled = {false};
        tasks.add(new Task(now + Math.max(0, delayNanos), seq++, task, cancelled));
        return () -> cancelled[0] = true;
    }

    /** Runs tasks until {@code done} holds or virtual time passes {@code limitNanos}; returns whether done. */
    boolean runUntil(java.util.function.BooleanSupplier done, long limitNanos) {
        while (!done.getAsBoolean()) {
            Task t = tasks.peek();
            if (t == null || t.at > limitNanos) {
                return false;
            }
            tasks.poll();
            now = t.at;
            if (!t.cancelled[0]) {
                t.body.run();
            }
        }
        return true;
    }
}
