package dev.ferry.mapper.mirror;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.CompletableFuture;

/**
 * A byte-for-byte comparison of a mirror's legs against its default leg over a range of regions, one region at a
 * time, read in chunks of at most {@link #CHUNK} bytes per leg: each region is held in the {@link RegionTracker}
 * while it is read (new writes to it wait, writes in flight end first), so the legs are compared at a moment when a
 * mirror in sync must hold the same bytes on each. Ends with the first difference, or empty; fails if a region is not
 * in sync (a leg died or missed a write), a leg cannot be read, or it was cancelled. Only for mirrors without
 * keep_serving (whose legs are all copies of the default one).
 */
public final class LegComparison {

    /** Bytes read from each leg at once. */
    public static final int CHUNK = 1 << 20;

    private final MirrorTarget mirror;
    private final int last;
    private final List<ByteBuffer> buffers = new ArrayList<>();
    private final CompletableFuture<Optional<LegMismatch>> result = new CompletableFuture<>();
    private volatile int region;
    /** Releases the region held now, or null. */
    private Runnable release;

    LegComparison(MirrorTarget mirror, int first, int last) {
        if (mirror.keepServing()) {
            throw new IllegalStateException("mirror " + mirror.describe() + " has keep_serving: its legs may hold "
                    + "stale copies and are not compared");
        }
        this.mirror = mirror;
        this.region = first;
        this.last = last;
        int chunk = (int) Math.min(CHUNK, mirror.regionSize());
        for (int i = 0; i < mirror.legCount(); i++) {
            buffers.add(ByteBuffer.allocateDirect(chunk));
        }
    }

    /** Completes with the first difference found, or empty when every region compared equal. */
    public CompletableFuture<Optional<LegMismatch>> result() {
        return result;
    }

    /**
     * Stops the comparison: the result fails with a {@link CancellationException} at once, and the region held (if
     * any) is released without waiting for its reads, which may hang on a stalled leg.
     */
    public void cancel() {
        Runnable r;
        synchronized (this) {
            r = release;
            release = null;
        }
        result.completeExceptionally(new CancellationException("comparison of the legs of " + mirror.describe()
                + " cancelled at region " + region));
        if (r != null) {
            r.run();
        }
    }

    /** Compares region after region; continues from a completion callback when a region's reads do not end at once. */
    void step() {
        while (!result.isDone()) {
            if (region > last) {
                result.complete(Optional.empty());
                return;
            }
            CompletableFuture<Optional<LegMismatch>> r = compareRegion(region);
            if (!r.isDone()) {
                r.whenComplete((m, err) -> {
                    if (regionEnded(m, err)) {
                        step();
                    }
                });
                return;
            }
            Optional<LegMismatch> m = null;
            Throwable err = null;
            try {
                m = r.join();
            } catch (RuntimeException e) {
                err = e;
            }
            if (!regionEnded(m, err)) {
                return;
            }
        }
    }

    /** Records a region's outcome; true to go on with the next region. */
    private boolean regionEnded(Optional<LegMismatch> m, Throwable err) {
        if (err != null) {
            result.completeExceptionally(MirrorTarget.unwrap(err));
            return false;
        }
        if (m.isPresent()) {
            result.complete(m);
            return false;
        }
        region++;
        return true;
    }

    private CompletableFuture<Optional<LegMismatch>> compareRegion(int r) {
        RegionTracker tracker = mirror.tracker();
        CompletableFuture<Void> held = tracker.holdInSync(r);
        if (held == null) {
            return CompletableFuture.failedFuture(MirrorTarget.ioError("region " + r + " of " + mirror.describe()
                    + " is not in sync (" + mirror.regionState(r) + ", legs " + mirror.legHealth()
                    + "): its legs cannot be compared", null));
        }
        AtomicBoolean released = new AtomicBoolean();
        Runnable releaseThis = () -> {
            if (released.compareAndSet(false, true)) {
                tracker.finishRecovery(r, false);
            }
        };
        synchronized (this) {
            release = releaseThis;
        }
        if (result.isDone()) {   // cancelled meanwhile
            releaseThis.run();
            return result;
        }
        long start = mirror.regionStart(r);
        return held.thenCompose(v -> compareChunks(r, start, start + mirror.regionLength(r)))
                .whenComplete((m, err) -> releaseThis.run());
    }

    private CompletableFuture<Optional<LegMismatch>> compareChunks(int r, long at, long end) {
        if (at >= end || result.isDone()) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        int len = (int) Math.min(buffers.get(0).capacity(), end - at);
        List<Leg> legs = mirror.legs();
        List<CompletableFuture<Void>> reads = new ArrayList<>();
        for (Leg leg : legs) {
            if (leg.dead()) {
                return CompletableFuture.failedFuture(MirrorTarget.ioError("leg " + leg.index + " (" + leg.name
                        + ") of " + mirror.describe() + " has failed: " + leg.firstDeadFailure(), null));
            }
            ByteBuffer b = buffers.get(leg.index).clear().limit(len);
            reads.add(leg.device.read(leg.offset + at, b.duplicate()).handle((v, err) -> {
                if (err != null) {
                    throw new CompletionException(MirrorTarget.ioError("comparing region " + r
                            + " of " + mirror.describe() + ": reading leg " + leg.index + " (" + leg.name
                            + ") at " + (leg.offset + at) + "+" + len + " failed", err));
                }
                return null;
            }));
        }
        return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).thenCompose(v -> {
            ByteBuffer reference = buffers.get(0);
            for (Leg leg : legs.subList(1, legs.size())) {
                int diff = reference.mismatch(buffers.get(leg.index));
                if (diff >= 0) {
                    Leg first = legs.get(0);
                    return CompletableFuture.completedFuture(Optional.of(new LegMismatch(leg.index, leg.name, r,
                            at + diff, first.offset + at + diff, leg.offset + at + diff, first.name)));
                }
            }
            return compareChunks(r, at + len, end);
        });
    }
}
