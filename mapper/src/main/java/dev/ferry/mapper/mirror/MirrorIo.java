package dev.ferry.mapper.mirror;

import dev.ferry.mapper.block.BlockIoException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** The I/O paths of a mirror: requests split at region boundaries, routed by region state. */
final class MirrorIo {

    /** One data-changing operation applied to one leg: {@code at} is the target-relative offset. */
    @FunctionalInterface
    interface LegOp {
        CompletableFuture<Void> apply(Leg leg, long at, long length);
    }

    private final MirrorTarget mirror;

    MirrorIo(MirrorTarget mirror) {
        this.mirror = mirror;
    }

    CompletableFuture<Void> read(long offset, ByteBuffer dst) {
        int base = dst.position();
        return split(offset, dst.remaining(), (region, at, len) -> {
            ByteBuffer piece = dst.duplicate().position(base + (int) (at - offset)).limit(base + (int) (at - offset + len));
            return readFrom(mirror.regions().readLegs(region), 0, region, at, piece, null);
        });
    }

    private CompletableFuture<Void> readFrom(List<Leg> candidates, int i, int region, long at, ByteBuffer piece,
            Throwable last) {
        if (i >= candidates.size()) {
            return CompletableFuture.failedFuture(MirrorTarget.ioError("no leg of " + mirror.describe()
                    + " could read region " + region + " at " + at + "+" + piece.remaining(), last));
        }
        Leg leg = candidates.get(i);
        return leg.device.read(leg.offset + at, piece.duplicate()).handle((v, err) -> {
            if (err == null) {
                return CompletableFuture.<Void>completedFuture(null);
            }
            mirror.legFailed(leg, LegError.READ, at, err);
            return readFrom(candidates, i + 1, region, at, piece, err);
        }).thenCompose(f -> f);
    }

    CompletableFuture<Void> mutate(String what, long offset, long length, LegOp op) {
        return split(offset, length, (region, at, len) -> mutateRegion(what, region, at, len, op));
    }

    private CompletableFuture<Void> mutateRegion(String what, int region, long at, long len, LegOp op) {
        Leg primary = mirror.defaultLeg();
        if (primary.dead() && !mirror.keepServing()) {
            return CompletableFuture.failedFuture(MirrorTarget.ioError(what + " at " + at + "+" + len
                    + ": default leg " + primary.name + " of " + mirror.describe() + " has failed", null));
        }
        RegionTracker tracker = mirror.tracker();
        return tracker.beginWrite(region).thenCompose(route -> {
            List<Leg> targets = mirror.regions().writeLegs(region, route);
            List<CompletableFuture<Throwable>> ops = new ArrayList<>(targets.size());
            for (Leg leg : targets) {
                ops.add(op.apply(leg, at, len).handle((v, err) -> {
                    if (err != null) {
                        mirror.legFailed(leg, LegError.WRITE, at, err);
                        if (mirror.keepServing()) {
                            mirror.regions().markStale(leg, region);   // at once: no later read uses it
                        }
                    }
                    return err;
                }));
            }
            return CompletableFuture.allOf(ops.toArray(CompletableFuture[]::new)).thenCompose(v -> {
                List<Leg> failed = new ArrayList<>();
                Throwable lastError = null;
                for (int i = 0; i < targets.size(); i++) {
                    Throwable err = ops.get(i).join();
                    if (err != null) {
                        failed.add(targets.get(i));
                        lastError = err;
                    }
                }
                String request = what + " at " + at + "+" + len + " of " + mirror.describe();
                CompletableFuture<Void> settled = mirror.keepServing()
                        ? settleKeepServing(request, region, targets, failed, lastError)
                        : settle(request, region, route, targets, failed, lastError);
                return settled.whenComplete((x, err) -> tracker.endWrite(region));
            });
        });
    }

    /**
     * Ends a region write without keep_serving: if a non-default leg missed it (its write failed, or the leg was
     * dead and not written), an in-sync region is recorded out of sync durably before the write is acknowledged; a
     * write the default leg missed fails.
     */
    private CompletableFuture<Void> settle(String request, int region, RegionTracker.Route route,
            List<Leg> targets, List<Leg> failed, Throwable lastError) {
        if (failed.contains(mirror.defaultLeg())) {
            return CompletableFuture.failedFuture(MirrorTarget.ioError(request + " failed on default leg "
                    + mirror.defaultLeg().name, lastError));
        }
        boolean missed = !failed.isEmpty() || targets.size() < mirror.legs().size();
        if (!missed || route != RegionTracker.Route.ALL_LEGS) {
            return CompletableFuture.completedFuture(null);
        }
        mirror.tracker().markOutOfSync(region);
        return recordedOutOfSync(request, region, mirror.log().flush());
    }

    /**
     * Ends a region write with keep_serving: it fails if no good leg took it; otherwise every leg that missed it
     * is stale for the region (in memory already), and the write is acknowledged once the region is out of sync
     * durably in the log and the listener recorded every stale copy.
     */
    private CompletableFuture<Void> settleKeepServing(String request, int region, List<Leg> targets, List<Leg> failed,
            Throwable lastError) {
        if (targets.isEmpty()) {
            return CompletableFuture.failedFuture(MirrorTarget.ioError(request + ": region " + region
                    + " has no good copy", null));
        }
        if (failed.size() == targets.size()) {
            return CompletableFuture.failedFuture(MirrorTarget.ioError(request + " failed on every good leg",
                    lastError));
        }
        if (failed.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        List<CompletableFuture<Void>> records = new ArrayList<>();
        records.add(recordedOutOfSync(request, region, mirror.log().flush()));
        failed.forEach(leg -> records.add(mirror.copyStale(leg, region)));
        return CompletableFuture.allOf(records.toArray(CompletableFuture[]::new)).handle((v, err) -> {
            if (err != null) {
                throw new CompletionException(MirrorTarget.ioError(request + " missed " + failed.size()
                        + " leg(s) whose stale copies could not be recorded", err));
            }
            return null;
        });
    }

    private static CompletableFuture<Void> recordedOutOfSync(String request, int region, CompletableFuture<Void> flush) {
        return flush.handle((v, err) -> {
            if (err != null) {
                throw new CompletionException(MirrorTarget.ioError(request + ": could not record region " + region
                        + " out of sync", err));
            }
            return null;
        });
    }

    /**
     * Flushes every live leg, failing if the default leg cannot flush; with keep_serving flushes every leg, makes a
     * leg whose flush fails stale throughout, and fails only if no leg flushed or a stale leg was not recorded.
     * Regions whose writes had settled before are then marked clean (lazily).
     */
    CompletableFuture<Void> flush() {
        Map<Integer, Long> settled = mirror.tracker().settledSnapshot();
        boolean keepServing = mirror.keepServing();
        Leg primary = mirror.defaultLeg();
        List<CompletableFuture<Boolean>> ops = new ArrayList<>();
        for (Leg leg : keepServing ? mirror.legs() : mirror.liveLegs()) {
            ops.add(leg.device.flush().handle((v, err) -> {
                if (err == null) {
                    return CompletableFuture.completedFuture(true);
                }
                mirror.legFailed(leg, LegError.FLUSH, -1, err);
                if (keepServing) {
                    return mirror.legStale(leg).thenCompose(x -> mirror.log().flush()).thenApply(x -> false);
                }
                if (leg == primary) {
                    throw new CompletionException(MirrorTarget.ioError("flush of default leg " + leg.name + " failed", err));
                }
                return CompletableFuture.completedFuture(false);
            }).thenCompose(f -> f));
        }
        if (primary.dead() && !keepServing) {
            ops.add(CompletableFuture.failedFuture(MirrorTarget.ioError("default leg " + primary.name + " has failed", null)));
        }
        return CompletableFuture.allOf(ops.toArray(CompletableFuture[]::new)).thenRun(() -> {
            if (ops.stream().noneMatch(CompletableFuture::join)) {
                throw new CompletionException(MirrorTarget.ioError("no leg of " + mirror.describe() + " could flush", null));
            }
            mirror.tracker().cleanSettled(settled);
        });
    }

    /** A piece of a request inside one region. */
    @FunctionalInterface
    private interface Piece {
        CompletableFuture<Void> apply(int region, long at, long length);
    }

    private CompletableFuture<Void> split(long offset, long length, Piece piece) {
        if (offset < 0 || length < 0 || offset > mirror.size() - length) {
            return CompletableFuture.failedFuture(new BlockIoException(BlockIoException.Kind.INVALID,
                    mirror.describe() + ": range " + offset + "+" + length + " outside " + mirror.size() + " bytes"));
        }
        long regionSize = mirror.regionSize();
        List<CompletableFuture<Void>> parts = new ArrayList<>();
        for (long at = offset, end = offset + length; at < end;) {
            int region = (int) (at / regionSize);
            long n = Math.min(end, (region + 1) * regionSize) - at;
            parts.add(piece.apply(region, at, n));
            at += n;
        }
        return parts.size() == 1 ? parts.get(0) : CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new));
    }
}
