package dev.ferry.mapper.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Holds device operations until a test runs them: each queued operation executes (and completes its
 * future) only when {@link #runOne} picks it, so tests choose completion order, deterministically.
 */
public final class OpQueue {

    private record Op(Supplier<CompletableFuture<?>> run, CompletableFuture<Object> done) { }

    private final List<Op> ops = new ArrayList<>();

    @SuppressWarnings("unchecked")
    <T> CompletableFuture<T> enqueue(Supplier<CompletableFuture<T>> op) {
        CompletableFuture<Object> done = new CompletableFuture<>();
        synchronized (this) {
            ops.add(new Op((Supplier<CompletableFuture<?>>) (Supplier<?>) op, done));
        }
        return (CompletableFuture<T>) done;
    }

    /** Operations waiting. */
    public synchronized int size() {
        return ops.size();
    }

    /** Runs the operation at {@code index}; returns false if there was none. */
    public boolean runOne(int index) {
        Op op;
        synchronized (this) {
            if (index >= ops.size()) {
                return false;
            }
            op = ops.remove(index);
        }
        op.run.get().whenComplete((v, err) -> {
            if (err != null) {
                op.done.completeExceptionally(err);
            } else {
                op.done.complete(v);
            }
        });
        return true;
    }

    /** Runs a random waiting operation; returns false if none waits. */
    public boolean runRandom(Random random) {
        int n = size();
        return n > 0 && runOne(random.nextInt(n));
    }

    /** Runs operations in FIFO order until none is left (including those the completions enqueue). */
    public void drain() {
        while (runOne(0)) {
            // keep going
        }
    }

    /** Drops every waiting operation without running it (a simulated crash); returns how many. */
    public synchronized int discardAll() {
        int n = ops.size();
        ops.clear();
        return n;
    }
}
