package dev.ferry.daemon.activation;

import dev.ferry.mapper.block.BlockDevice;
import dev.ferry.mapper.block.BlockIoException;
import dev.ferry.mapper.block.Extent;
import dev.ferry.mapper.block.FileBlockDevice;
import dev.ferry.mapper.block.FileSpan;
import dev.ferry.mapper.nativeio.Advice;
import dev.ferry.mapper.time.Scheduler;
import java.nio.ByteBuffer;
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
 * A PV's data device as tables see it, remembering since when its I/O has been failing with no success in between,
 * so that a PV that fails persistently is taken for lost.
 *
 * <p>The rule ({@link #persistentFailure}): a PV fails persistently when its I/O has been failing, with no request
 * succeeding, for at least {@link #FAILING_FOR} and a probe read of its first {@link #PROBE_BYTES} bytes (its label,
 * dropped from the page cache first) through the same device fails too, or gets no answer within
 * {@link #PROBE_TIMEOUT}. A success (the probe's included) ends a failing spell, so a disk with a few bad sectors
 * whose other I/O works is never taken for lost, nor is one whose writes fail but whose reads work. A failure is an
 * I/O error of any kind but {@link BlockIoException.Kind#INVALID}, {@code NOT_SUPPORTED} and {@code SHUTDOWN},
 * which say nothing about the medium. Zero-copy reads ({@link #fileSpan}) go around the bookkeeping, so none are
 * offered during a failing spell.
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
    private final FileBlockDevice file;
    private final BlockDevice exposed;
    private final Scheduler clock;
    /** {@link Scheduler#nanoTime} of the first failure since the last success, or {@link #HEALTHY}. */
    private final AtomicLong failingSince = new AtomicLong(HEALTHY);
    private volatile String firstFailure;
    private final BiConsumer<Object, Throwable> record = this::record;

    /** Watches {@code exposed}, the device tables use for PV {@code path} whose file is {@code file}. */
    WatchedPvDevice(String path, FileBlockDevice file, BlockDevice exposed, Scheduler clock) {
        this.path = path;
        this.file = file;
        this.exposed = exposed;
        this.clock = clock;
    }

    /**
     * Why the PV fails persistently (see the class comment), or empty; probes it only while its I/O is failing.
     * Blocks up to {@link #PROBE_TIMEOUT}.
     */
    Optional<String> persistentFailure() {
        long since = failingSince.get();
        if (since == HEALTHY) {
            return Optional.empty();
        }
        String failure = firstFailure;
        Optional<String> probe = probe();
        if (probe.isEmpty()) {
            // The probe succeeded: that ends the spell now, not when its completion callback gets to run.
            failingSince.compareAndSet(since, HEALTHY);
            return Optional.empty();
        }
        long failedFor = clock.nanoTime() - since;
        if (failingSince.get() != since || failedFor < FAILING_FOR.toNanos()) {
            return Optional.empty();
        }
        return Optional.of("PV " + path + ": data I/O failing with no success for "
                + TimeUnit.NANOSECONDS.toMillis(failedFor) + " ms (first: " + failure + "), probe read failed: "
                + probe.get());
    }

    /** Reads the first bytes through the exposed device, past the page cache; the failure if it fails. */
    private Optional<String> probe() {
        int length = (int) Math.min(PROBE_BYTES, size());
        try {
            file.advise(0, length, Advice.DONTNEED).get(PROBE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
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

    private void record(Object ignored, Throwable failure) {
        if (failure == null) {
            if (failingSince.get() != HEALTHY) {
                failingSince.set(HEALTHY);
            }
            return;
        }
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (cause instanceof BlockIoException b && NOT_THE_MEDIUM.contains(b.kind())) {
            return;
        }
        if (failingSince.get() == HEALTHY && failingSince.compareAndSet(HEALTHY, clock.nanoTime())) {
            firstFailure = cause.getMessage();
        }
    }

    private <T> CompletableFuture<T> watched(CompletableFuture<T> io) {
        io.whenComplete(record);
        return io;
    }

    @Override
    public long size() {
        return exposed.size();
    }

    @Override
    public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
        return watched(exposed.read(offset, dst));
    }

    @Override
    public CompletableFuture<Void> write(long offset, ByteBuffer src, boolean fua) {
        return watched(exposed.write(offset, src, fua));
    }

    @Override
    public CompletableFuture<Void> flush() {
        return watched(exposed.flush());
    }

    @Override
    public CompletableFuture<Void> discard(long offset, long length) {
        return watched(exposed.discard(offset, length));
    }

    @Override
    public CompletableFuture<Void> writeZeroes(long offset, long length, boolean mayUnmap) {
        return watched(exposed.writeZeroes(offset, length, mayUnmap));
    }

    @Override
    public CompletableFuture<List<Extent>> allocation(long offset, long length) {
        return exposed.allocation(offset, length);
    }

    /** Zero-copy spans of the exposed device, but none in a failing spell: reads then come through here. */
    @Override
    public Optional<FileSpan> fileSpan(long offset, long length) {
        return failingSince.get() == HEALTHY ? exposed.fileSpan(offset, length) : Optional.empty();
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
