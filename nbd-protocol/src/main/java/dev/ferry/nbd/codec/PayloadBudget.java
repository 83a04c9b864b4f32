package dev.ferry.nbd.codec;

import java.util.ArrayList;
import java.util.List;

/**
 * How many bytes of WRITE payloads a server receives at once, over all its connections: a decoder reserves a
 * payload's whole length when its header arrives and gives it back once the payload is complete (or the connection
 * closes); a payload that does not fit waits, unread, until one given back makes room. Reserving whole payloads
 * means every admitted payload can complete, so honest clients never deadlock on the budget; a reservation is
 * always granted while nothing is reserved, so a limit below one payload still lets payloads through one at a time.
 */
public final class PayloadBudget {
    private final long limit;
    private long reserved;
    private List<Runnable> waiters = new ArrayList<>();

    /** A budget of {@code limit} bytes (at least 1). */
    public PayloadBudget(long limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("payload budget must be positive: " + limit);
        }
        this.limit = limit;
    }

    /** A budget no payload ever waits for. */
    public static PayloadBudget unlimited() {
        return new PayloadBudget(Long.MAX_VALUE);
    }

    /** The limit in bytes. */
    public long limit() {
        return limit;
    }

    /** Bytes reserved now. */
    public synchronized long reserved() {
        return reserved;
    }

    /** Payloads waiting for room now. */
    public synchronized int waiting() {
        return waiters.size();
    }

    /** Reserves {@code bytes} if they fit (or nothing is reserved); false leaves the budget unchanged. */
    public synchronized boolean tryReserve(long bytes) {
        if (reserved != 0 && bytes > limit - reserved) {
            return false;
        }
        reserved += bytes;
        return true;
    }

    /** Gives back {@code bytes} reserved earlier and wakes everyone waiting for room (each tries again). */
    public void release(long bytes) {
        List<Runnable> wake;
        synchronized (this) {
            reserved -= bytes;
            if (reserved < 0) {
                throw new IllegalStateException("payload budget released below zero: " + reserved);
            }
            wake = waiters;
            waiters = new ArrayList<>();
        }
        wake.forEach(Runnable::run);
    }

    /** Runs {@code retry} once {@code bytes} might fit: at once if they fit now, else after the next release. */
    public void whenRoomFor(long bytes, Runnable retry) {
        synchronized (this) {
            if (reserved != 0 && bytes > limit - reserved) {
                waiters.add(retry);
                return;
            }
        }
        retry.run();
    }
}
