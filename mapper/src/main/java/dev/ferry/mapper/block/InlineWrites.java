package dev.ferry.mapper.block;

import java.util.function.LongSupplier;

/**
 * Decides when a {@link FileBlockDevice} runs a write on the calling thread instead of handing it to its executor.
 *
 * <p>Why: a write's data was just received by the calling thread (an NBD connection's event loop), so it sits in that
 * core's cache; copied into the page cache by an I/O thread on the other core it was read back across cores, and the
 * hand-offs there and back cost two wake-ups. Measured on a 2-core machine with 1 MiB sequential writes at queue depth
 * 8: about 0.31 s of server CPU per GB written with the hand-off, 0.23 s without (nbdkit: 0.20 s); the median ratio
 * to nbdkit of {@code scripts/bench-nbd.sh}'s sequential writes went from 0.73-0.81x to 1.03x and 1.09x (two runs).
 * Connections under TLS run them inline too, though their event loop also decrypts: in a same-run comparison (two
 * {@code ferry serve --tls require} on one file, one of them a throw-away build that never permitted inline writes,
 * and nbdkit, 4 alternating rounds of 5 s after a warm-up) the inline server wrote 6-21 % more per round (median 11 %).
 *
 * <p>The rules, each for a reason:
 * <ul>
 *   <li>Only on a thread that {@link #permitCurrentThread() permitted} it (the NBD event loops): a thread that must
 *       never block on file I/O does not, and neither do callers that might hold locks.</li>
 *   <li>Only writes that cover whole pages (offset and length aligned to the page size, 4 KiB on x86-64 and often
 *       larger on aarch64): a partial page not in the page cache would first be read from the disk.</li>
 *   <li>Never a FUA write: it waits for the disk by definition.</li>
 *   <li>Not for {@link #HOLD_OFF_NANOS} (1 s) after a write that took longer than {@link #SLOW_NANOS} (10 ms)
 *       plus 1 ns per byte (1 GB/s): the page cache was full of dirty pages and the kernel throttled the writer,
 *       or the file system waited for its journal. The calling thread then serves its other connections again
 *       while the I/O threads wait, and inline writes resume once the hold-off has passed.</li>
 * </ul>
 * One instance per device; thread-safe.
 */
public final class InlineWrites {

    /**
     * The fixed part of the time after which an inline write counts as slow: longer than the kernel's usual time slice,
     * so that a thread merely preempted on a busy machine does not count.
     */
    public static final long SLOW_NANOS = 10_000_000;
    /** How long writes are handed off after a slow one. */
    public static final long HOLD_OFF_NANOS = 1_000_000_000;

    private static final ThreadLocal<Boolean> PERMITTED = ThreadLocal.withInitial(() -> false);

    private final LongSupplier nanoClock;
    private final int pageSize;
    /** Until when (on {@link #nanoClock}) writes are handed off; valid only while {@link #holding}. */
    private volatile long holdUntil;
    private volatile boolean holding;

    /**
     * A policy on {@code nanoClock} ({@code System::nanoTime} outside tests) for a machine whose pages are
     * {@code pageSize} bytes ({@link dev.ferry.mapper.nativeio.NativeIo#pageSize()}).
     *
     * @throws IllegalArgumentException if {@code pageSize} is not a power of two
     */
    public InlineWrites(LongSupplier nanoClock, int pageSize) {
        if (pageSize <= 0 || Integer.bitCount(pageSize) != 1) {
            throw new IllegalArgumentException("page size must be a power of two: " + pageSize);
        }
        this.nanoClock = nanoClock;
        this.pageSize = pageSize;
    }

    /** Lets devices run page-aligned writes on the calling thread from now on (see the class comment). */
    public static void permitCurrentThread() {
        PERMITTED.set(true);
    }

    /** Whether the calling thread runs the write of {@code length} bytes at {@code offset} itself. */
    boolean runsHere(long offset, long length, boolean fua) {
        if (fua || !PERMITTED.get() || ((offset | length) & (pageSize - 1)) != 0 || length == 0) {
            return false;
        }
        if (holding) {
            if (nanoClock.getAsLong() - holdUntil < 0) {
                return false;
            }
            holding = false;
        }
        return true;
    }

    /** The clock reading that starts an inline write's timing. */
    long start() {
        return nanoClock.getAsLong();
    }

    /** Records an inline write of {@code length} bytes that started at {@code started}; a slow one starts the hold-off. */
    void finished(long started, long length) {
        long now = nanoClock.getAsLong();
        if (now - started > SLOW_NANOS + length) {
            holdUntil = now + HOLD_OFF_NANOS;
            holding = true;
        }
    }
}
