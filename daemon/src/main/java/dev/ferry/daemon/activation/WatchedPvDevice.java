package dev.ferry.daemon.activation;

import dev.ferry.daemon.remote.NbdBlockDevice;
import dev.ferry.mapper.block.BlockDevice;
import dev.ferry.mapper.block.BlockIoException;
import dev.ferry.mapper.block.Extent;
import dev.ferry.mapper.block.FileBlockDevice;
import dev.ferry.mapper.block.FileSpan;
import dev.ferry.mapper.nativeio.Advice;
import dev.ferry.mapper.time.Scheduler;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

/**
 * A PV's data device as tables see it, remembering since when its reads, and apart from them its writes, have been
 * failing with no success in between, so that a PV that fails persistently is taken for lost. A remote PV whose
 * connection failed (closed, or reported failed by its NBD client) is lost at once, I/O or not; one whose link is
 * reconnecting is not judged meanwhile: its NBD client fails the link when the reconnect window ends without a
 * connection, and the PV is lost then.
 *
 * <p>The rule ({@link #persistentFailure}): each direction has its own failing spell, from a failed request to the
 * next successful one of the same direction (reads; writes, which include flushes, discards and zeroing). A PV fails
 * persistently when a spell of either direction has lasted at least {@link #FAILING_FOR} and a probe read of its first
 * {@link #PROBE_BYTES} bytes (its label, dropped from the page cache first) through the same device fails too, or
 * gets no answer within {@link #PROBE_TIMEOUT}. The probe is a read: its success ends the read spell only. So a disk
 * whose reads fail is lost however well its writes go, while one with a few bad sectors whose other reads work, or
 * one whose writes fail but whose reads work, is not. A failure is an I/O error of any kind but
 * {@link BlockIoException.Kind#INVALID}, {@code NOT_SUPPORTED} and {@code SHUTDOWN}, which say nothing about the
 * medium.
 *
 * <p>Reads through a {@link #fileSpan} (page-cache reads on an event loop) bypass this device: none are offered during
 * a spell, and a span read that fails is read again through this device, whose outcome then counts.
 *
 * <p>The hot path costs one completion callback per request, which while healthy reads one volatile field and
 * writes nothing; the clock is read on the first failure of a spell only.
 */
final class WatchedPvDevice implements BlockDevice {
    /** How long I/O must have failed without a success before a failing probe makes the PV lost. */
    static final Duration FAILING_FOR = Duration.ofSeconds(1);
    /** The bytes the probe reads, from offset 0. */
    static final int PROBE_BYTES = 4096;
    /** How long the probe may take before it counts as failed. */
    static final Duration PROBE_TIMEOUT = Duration.ofSeconds(1);

    private static final long HEALTHY = Long.MIN_VALUE;
    private static final Set<BlockIoException.Kind> NOT_THE_MEDIUM = EnumSet.of(BlockIoException.Kind.INVALID,
            BlockIoException.Kind.NOT_SUPPORTED, BlockIoException.Kind.SHUTDOWN);

    private final String path;
    private final BlockDevice raw;
    private final BlockDevice exposed;
    private final Scheduler clock;
    private final Spell reads = new Spell("reads");
    private final Spell writes = new Spell("writes");

    /**
     * Watches {@code exposed}, the device tables use for PV {@code path} whose own device is {@code raw} (its file,
     * or a remote PV's export).
     */
    WatchedPvDevice(String path, BlockDevice raw, BlockDevice exposed, Scheduler clock) {
        this.path = path;
        this.raw = raw;
        this.exposed = exposed;
        this.clock = clock;
    }

    /** The failing spell of one direction: since when its requests have failed with none succeeding. */
    private final class Spell implements BiConsumer<Object, Throwable> {
        private final String direction;
        /** {@link Scheduler#nanoTime} of the first failure since the last success, or {@link #HEALTHY}. */
        private final AtomicLong since = new AtomicLong(HEALTHY);
        private volatile String firstFailure;

        Spell(String direction) {
            this.direction = direction;
        }

        boolean on() {
            return since.get() != HEALTHY;
        }

        /** Records a request's outcome ({@code failure} null for a success). */
        @Override
        public void accept(Object ignored, Throwable failure) {
            if (failure == null) {
                end();
                return;
            }
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            if (!(cause instanceof BlockIoException b && NOT_THE_MEDIUM.contains(b.kind()))) {
                begin(String.valueOf(cause.getMessage()));
            }
        }

        void begin(String failure) {
            if (since.get() == HEALTHY && since.compareAndSet(HEALTHY, clock.nanoTime())) {
                firstFailure = failure;
            }
        }

        void end() {
            if (since.get() != HEALTHY) {
                since.set(HEALTHY);
            }
        }

        /** How long the current spell has lasted, or -1 without one. */
        long lastedNanos() {
            long start = since.get();
            return start == HEALTHY ? -1 : clock.nanoTime() - start;
        }
    }

    /**
     * Why the PV fails persistently (see the class comment), or empty; probes it only while some I/O is failing.
     * Blocks up to {@link #PROBE_TIMEOUT}.
     */
    Optional<String> persistentFailure() {
        if (raw instanceof NbdBlockDevice remote) {
            Optional<String> failed = remote.connectionFailure();
            if (failed.isPresent()) {
                return Optional.of("PV " + path + ": remote PV connection failed: " + failed.get());
            }
            if (remote.reconnecting()) {
                return Optional.empty();   // its requests wait for the link's own verdict, due within its window
            }
        }
        if (!reads.on() && !writes.on()) {
            return Optional.empty();
        }
        Optional<String> probe = probe();
        if (probe.isEmpty()) {
            // The probe read succeeded: that ends the read spell now, not when its completion callback gets to run.
            reads.end();
            return Optional.empty();
        }
        Spell longest = reads.lastedNanos() >= writes.lastedNanos() ? reads : writes;
        long failedFor = longest.lastedNanos();
        if (failedFor < FAILING_FOR.toNanos()) {
            return Optional.empty();
        }
        return Optional.of("PV " + path + ": data I/O failing with no success for "
                + TimeUnit.NANOSECONDS.toMillis(failedFor) + " ms (" + longest.direction + ", first: "
                + longest.firstFailure + "), probe read failed: " + probe.get());
    }

    /** Reads the first bytes through the exposed device, past the page cache; the failure if it fails. */
    private Optional<String> probe() {
        int length = (int) Math.min(PROBE_BYTES, size());
        try {
            if (raw instanceof FileBlockDevice file) {
                file.advise(0, length, Advice.DONTNEED).get(PROBE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
            read(0, ByteBuffer.allocate(length)).get(PROBE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            return Optional.empty();
        } catch (ExecutionException e) {
            return Optional.of(String.valueOf(e.getCause().getMessage()));
        } catch (TimeoutException e) {
            return Optional.of("no answer within " + PROBE_TIMEOUT.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted");
        }
    }

    /** {@code io}, completing only once its outcome is recorded in {@code spell}, so a caller never sees a stale spell. */
    private <T> CompletableFuture<T> watched(CompletableFuture<T> io, Spell spell) {
        CompletableFuture<T> recorded = new CompletableFuture<>();
        io.whenComplete((value, failure) -> {
            spell.accept(value, failure);
            if (failure != null) {
                recorded.completeExceptionally(failure);   // the same exception, not wrapped again
            } else {
                recorded.complete(value);
            }
        });
        return recorded;
    }

    @Override
    public long size() {
        return exposed.size();
    }

    @Override
    public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
        return watched(exposed.read(offset, dst), reads);
    }

    @Override
    public CompletableFuture<Void> write(long offset, ByteBuffer src, boolean fua) {
        return watched(exposed.write(offset, src, fua), writes);
    }

    @Override
    public CompletableFuture<Void> flush() {
        return watched(exposed.flush(), writes);
    }

    @Override
    public CompletableFuture<Void> discard(long offset, long length) {
        return watched(exposed.discard(offset, length), writes);
    }

    @Override
    public CompletableFuture<Void> writeZeroes(long offset, long length, boolean mayUnmap) {
        return watched(exposed.writeZeroes(offset, length, mayUnmap), writes);
    }

    @Override
    public CompletableFuture<List<Extent>> allocation(long offset, long length) {
        return exposed.allocation(offset, length);
    }

    /** Spans of the exposed device, but none in a failing spell of either direction: reads then come through here. */
    @Override
    public Optional<FileSpan> fileSpan(long offset, long length) {
        if (reads.on() || writes.on()) {
            return Optional.empty();
        }
        return exposed.fileSpan(offset, length);
    }

    @Override
    public boolean fastZeroes() {
        return exposed.fastZeroes();
    }

    @Override
    public String describe() {
        return exposed.describe();
    }

    @Override
    public void close() {
        exposed.close();
    }
}
