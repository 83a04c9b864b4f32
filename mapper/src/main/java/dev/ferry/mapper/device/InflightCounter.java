package dev.ferry.mapper.device;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Counts the requests in flight on one live table without a lock shared by all I/O: a request
 * increments one padded stripe on entry and decrements the same stripe when it completes, so each
 * stripe stays non-negative and the sum is zero only when nothing that entered is in flight. A
 * suspender arms a drain waiter; exits check it, so the last one out completes it.
 */
final class InflightCounter {

    /** Longs per stripe: 128 bytes, so stripes do not share cache lines. */
    private static final int PAD = 16;

    private final int mask;
    private final AtomicLongArray cells;
    private volatile CompletableFuture<Void> waiter;

    InflightCounter() {
        int stripes = Integer.highestOneBit(Math.max(1, Runtime.getRuntime().availableProcessors()) * 2 - 1) * 2;
        this.mask = stripes - 1;
        this.cells = new AtomicLongArray(stripes * PAD);
    }

    /** Counts one request in; returns the stripe to hand to {@link #exit}. */
    int enter() {
        int h = System.identityHashCode(Thread.currentThread());
        int stripe = (h ^ (h >>> 16)) & mask;
        cells.getAndIncrement(stripe * PAD);
        return stripe;
    }

    /** Counts one request out of {@code stripe}; completes an armed drain when nothing is left. */
    void exit(int stripe) {
        cells.getAndDecrement(stripe * PAD);
        CompletableFuture<Void> w = waiter;
        if (w != null && sum() == 0) {
            w.complete(null);
        }
    }

    /** Requests in flight now. */
    long sum() {
        long sum = 0;
        for (int i = 0; i <= mask; i++) {
            sum += cells.get(i * PAD);
        }
        return sum;
    }

    /** Arms a waiter completing once nothing is in flight (callers have already closed the gate). */
    CompletableFuture<Void> drain() {
        CompletableFuture<Void> w = new CompletableFuture<>();
        waiter = w;
        if (sum() == 0) {
            w.complete(null);
        }
        return w;
    }

    /** Disarms the waiter after an aborted suspend. */
    void disarm() {
        waiter = null;
    }
}
