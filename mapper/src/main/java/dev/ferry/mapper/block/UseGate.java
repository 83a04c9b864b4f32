package dev.ferry.mapper.block;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts the users of a resource (in-flight operations and pins) and closes it after the last one.
 *
 * <p>States: {@code OPEN} (users may enter) → {@link #close()} → {@code CLOSING} (entries refused,
 * existing users drain) → last {@link #exit()} → {@code CLOSED} (the close action has run, the
 * future returned by {@code close()} is complete). The action runs exactly once, on the thread that
 * made the count reach zero while closing.
 */
final class UseGate {

    /** The gate's lifecycle. */
    enum State { OPEN, CLOSING, CLOSED }

    private static final long CLOSING_BIT = 1L << 62;

    private final AtomicLong word = new AtomicLong();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private final Runnable closeAction;

    UseGate(Runnable closeAction) {
        this.closeAction = closeAction;
    }

    /** Enters as a user; false once closing. */
    boolean tryEnter() {
        while (true) {
            long v = word.get();
            if ((v & CLOSING_BIT) != 0) {
                return false;
            }
            if (word.compareAndSet(v, v + 1)) {
                return true;
            }
        }
    }

    /** Leaves; the last user to leave a closing gate runs the close action. */
    void exit() {
        long v = word.decrementAndGet();
        if (v == -1 || v == CLOSING_BIT - 1) {
            throw new IllegalStateException("UseGate exit without enter");
        }
        if (v == CLOSING_BIT) {
            finish();
        }
    }

    /** Refuses new users; the future completes once the last user has left and the action has run. */
    CompletableFuture<Void> close() {
        long prev = word.getAndUpdate(v -> v | CLOSING_BIT);
        if (prev == 0) {
            finish();
        }
        return closed;
    }

    /** The current state. */
    State state() {
        if (closed.isDone()) {
            return State.CLOSED;
        }
        return (word.get() & CLOSING_BIT) != 0 ? State.CLOSING : State.OPEN;
    }

    /** Users currently inside. */
    long users() {
        return word.get() & ~CLOSING_BIT;
    }

    private void finish() {
        try {
            closeAction.run();
            closed.complete(null);
        } catch (RuntimeException e) {
            closed.completeExceptionally(e);
        }
    }
}
