package dev.ferry.daemon.control;

/** Counts control requests between receipt and the end of their response write, so a stop can drain them. */
final class InFlightRequests {
    private int count;

    synchronized void begin() {
        count++;
    }

    synchronized void end() {
        if (count <= 0) {
            throw new IllegalStateException("request ended twice");
        }
        if (--count == 0) {
            notifyAll();
        }
    }

    synchronized int count() {
        return count;
    }

    /** Waits until no request is in flight or {@code deadlineNanos} ({@link System#nanoTime()}) passes; true if idle. */
    synchronized boolean awaitIdle(long deadlineNanos) throws InterruptedException {
        long remaining;
        while (count > 0 && (remaining = deadlineNanos - System.nanoTime()) > 0) {
            long millis = Math.max(1, remaining / 1_000_000);
            wait(millis);
        }
        return count == 0;
    }
}
