package dev.ferry.daemon.testing;

import dev.ferry.nbd.NbdConstants;
import dev.ferry.nbd.client.NbdClient;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Writes sequence-numbered {@link BlockPattern} blocks over NBD with FUA, a few at a time, and remembers which
 * writes the server ACKNOWLEDGED and which were still in flight. {@link #verifyAndSettle} then proves every
 * acknowledged write is there (a block whose write was in flight when the server died may hold either version,
 * sector by sector) and rewrites blocks left half-written, so writing can go on after a restart.
 */
public final class AckedBlockWriter {

    private static final Duration DRAIN = Duration.ofSeconds(60);
    private static final int VERIFY_CHUNK_BLOCKS = 256;
    private static final int FILL_CHUNK_BYTES = 1 << 20;

    private final BlockPattern pattern;
    private final int blocks;
    private final long[] acked;
    private final long[] pending;
    private final SplittableRandom random;
    private final int depth;
    private long acknowledged;
    private long worstNanos;
    private Throwable failure;
    private volatile boolean stopRequested;
    private Thread thread;

    /** A writer of {@code blocks} blocks of {@code blockSize} bytes with at most {@code depth} writes in flight. */
    public AckedBlockWriter(long seed, int blockSize, int blocks, int depth) {
        this.pattern = new BlockPattern(seed, blockSize);
        this.blocks = blocks;
        this.acked = new long[blocks];
        this.pending = new long[blocks];
        this.random = new SplittableRandom(seed);
        this.depth = depth;
    }

    /**
     * Writes version 1 of every block (acknowledged before this returns), so every block has a known state. The blocks
     * go out {@value #FILL_CHUNK_BYTES} bytes per write (with FUA, at most {@code depth} in flight): the state they set
     * up is the same as one write per block, without paying a request and a sync per block.
     */
    public void fill(NbdClient client) {
        int bs = pattern.blockSize();
        int perWrite = Math.max(1, FILL_CHUNK_BYTES / bs);
        Semaphore permits = new Semaphore(depth);
        List<CompletableFuture<Void>> writes = new ArrayList<>();
        for (int first = 0; first < blocks; first += perWrite) {
            int n = Math.min(perWrite, blocks - first);
            byte[] data = new byte[n * bs];
            for (int i = 0; i < n; i++) {
                System.arraycopy(pattern.content(first + i, 1), 0, data, i * bs, bs);
            }
            acquire(permits);
            writes.add(client.write((long) first * bs, Unpooled.wrappedBuffer(data), fua(client))
                    .whenComplete((ok, e) -> permits.release()));
        }
        CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).join();
        synchronized (this) {
            for (int b = 0; b < blocks; b++) {
                acked[b] = 1;
                pending[b] = 0;
            }
            acknowledged += blocks;
        }
    }

    /** Starts writing random blocks on a background thread until {@link #stop()} or the first failed write. */
    public synchronized void start(NbdClient client) {
        if (thread != null && thread.isAlive()) {
            throw new IllegalStateException("writer already running");
        }
        stopRequested = false;
        failure = null;
        thread = new Thread(() -> run(client), "acked-block-writer");
        thread.setDaemon(true);
        thread.start();
    }

    private void run(NbdClient client) {
        Semaphore permits = new Semaphore(depth);
        while (!stopRequested && failure() == null) {
            acquire(permits);
            int block;
            long seq;
            synchronized (this) {
                do {
                    block = random.nextInt(blocks);
                } while (pending[block] != 0);
                seq = acked[block] + 1;
            }
            write(client, block, seq).whenComplete((ok, e) -> permits.release());
        }
        acquire(permits, depth); // every write answered (or failed) before the thread ends
    }

    /** Sends one write with FUA and records the outcome. */
    private CompletableFuture<Void> write(NbdClient client, int block, long seq) {
        int flags = fua(client);
        synchronized (this) {
            pending[block] = seq;
        }
        ByteBuf data = Unpooled.wrappedBuffer(pattern.content(block, seq));
        long sent = System.nanoTime();
        CompletableFuture<Void> done;
        try {
            done = client.write((long) block * pattern.blockSize(), data, flags);
        } catch (RuntimeException e) {
            done = CompletableFuture.failedFuture(e);
        }
        return done.whenComplete((ok, e) -> {
            synchronized (this) {
                worstNanos = Math.max(worstNanos, System.nanoTime() - sent);
                if (e == null) {
                    acked[block] = seq;
                    pending[block] = 0;
                    acknowledged++;
                } else if (failure == null) {
                    failure = e;
                }
            }
        });
    }

    /** Asks the writer to stop and waits until every write it sent was answered; returns the first failure or null. */
    public Throwable stop() {
        stopRequested = true;
        return awaitStopped();
    }

    /** Waits until the writer has stopped by itself (after a failed write) or by {@link #stop()}. */
    public Throwable awaitStopped() {
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t != null) {
            try {
                t.join(DRAIN.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
            if (t.isAlive()) {
                throw new AssertionError("writes still unanswered after " + DRAIN);
            }
        }
        return failure();
    }

    /** The first failed write, or null. */
    public synchronized Throwable failure() {
        return failure;
    }

    /**
     * The longest a write of the running writer took from its submission to its answer (acknowledged or failed), so
     * far; {@link #fill}'s writes are not counted.
     */
    public synchronized Duration worstLatency() {
        return Duration.ofNanos(worstNanos);
    }

    /** How many block writes the server acknowledged so far ({@link #fill} counts one per block). */
    public synchronized long acknowledged() {
        return acknowledged;
    }

    /**
     * Reads every block (the writer must be stopped) and fails unless each holds its last acknowledged version,
     * or, where a write was in flight, that version or the unacknowledged one sector by sector. Blocks that hold
     * a mixture are rewritten, so afterwards every block again has exactly one known version.
     */
    public synchronized void verifyAndSettle(NbdClient client) {
        List<String> bad = new ArrayList<>();
        List<Integer> mixed = new ArrayList<>();
        int bs = pattern.blockSize();
        for (int first = 0; first < blocks; first += VERIFY_CHUNK_BLOCKS) {
            int n = Math.min(VERIFY_CHUNK_BLOCKS, blocks - first);
            byte[] chunk = read(client, (long) first * bs, n * bs);
            for (int i = 0; i < n; i++) {
                int b = first + i;
                int off = i * bs;
                if (pending[b] == 0) {
                    if (!pattern.matches(chunk, off, b, acked[b])) {
                        bad.add("block " + b + ": expected acknowledged seq " + acked[b] + ", found "
                                + pattern.describe(chunk, off));
                    }
                } else if (pattern.matches(chunk, off, b, pending[b])) {
                    acked[b] = pending[b];
                } else if (!pattern.matches(chunk, off, b, acked[b])) {
                    if (pattern.matchesSectorwise(chunk, off, b, acked[b], pending[b])) {
                        mixed.add(b);
                    } else {
                        bad.add("block " + b + ": expected seq " + acked[b] + " (or in-flight " + pending[b]
                                + "), found " + pattern.describe(chunk, off));
                    }
                }
                pending[b] = 0;
            }
            if (bad.size() > 20) {
                break;
            }
        }
        if (!bad.isEmpty()) {
            throw new AssertionError(bad.size() + "+ blocks lost acknowledged writes:\n" + String.join("\n", bad));
        }
        for (int b : mixed) {
            long seq = acked[b] + 1;
            client.write((long) b * bs, Unpooled.wrappedBuffer(pattern.content(b, seq)),
                    fua(client)).join();
            acked[b] = seq;
        }
        failure = null;
    }

    /** FUA when the export offers it, so an acknowledged write is durable. */
    private static int fua(NbdClient client) {
        return (client.transmissionFlags() & NbdConstants.NBD_FLAG_SEND_FUA) != 0 ? NbdConstants.NBD_CMD_FLAG_FUA : 0;
    }

    private static byte[] read(NbdClient client, long offset, int length) {
        ByteBuf buf = client.read(offset, length).join();
        try {
            byte[] data = new byte[length];
            buf.getBytes(buf.readerIndex(), data);
            return data;
        } finally {
            buf.release();
        }
    }

    private static void acquire(Semaphore permits) {
        acquire(permits, 1);
    }

    private static void acquire(Semaphore permits, int n) {
        try {
            if (!permits.tryAcquire(n, DRAIN.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("writes still unanswered after " + DRAIN);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
