package dev.ferry.mapper.mirror;

import dev.ferry.mapper.block.BlockIoException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
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
            List<Leg> candidates = new ArrayList<>();
            Leg primary = mirror.defaultLeg();
            if (!primary.dead()) {
                candidates.add(primary);
            }
            if (mirror.log().inSync(region)) {
                mirror.liveLegs().stream().filter(l -> l != primary).forEach(candidates::add);
            }
            return readFrom(candidates, 0, region, at, piece, null);
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
        if (primary.dead()) {
            return CompletableFuture.failedFuture(MirrorTarget.ioError(what + " at " + at + "+" + len
                    + ": default leg " + primary.name + " of " + mirror.describe() + " has failed", null));
        }
        RegionTracker tracker = mirror.tracker();
        return tracker.beginWrite(region).thenCompose(route -> {
            // the default leg is always written: a write is acknowledged only if it reached it
            List<Leg> targets = route == RegionTracker.Route.ALL_LEGS
                    ? mirror.legs().stream().filter(l -> l == primary || !l.dead()).toList() : List.of(primary);
            List<CompletableFuture<Throwable>> ops = new ArrayList<>(targets.size());
            for (Leg leg : targets) {
                ops.add(op.apply(leg, at, len).handle((v, err) -> {
                    if (err != null) {
                        mirror.legFailed(leg, LegError.WRITE, at, err);
                    }
                    return err;
                }));
            }
            return CompletableFuture.allOf(ops.toArray(CompletableFuture[]::new))
                    .thenCompose(v -> settle(what, region, at, len, route, targets, ops));
        });
    }

    /**
     * Ends a region write: if a non-default leg missed it, the region is recorded out of sync durably
     * before the write is acknowledged; a write the default leg missed fails.
     */
    private CompletableFuture<Void> settle(String what, int region, long at, long len, RegionTracker.Route route,
            List<Leg> targets, List<CompletableFuture<Throwable>> ops) {
        Throwable primaryError = null;
        boolean othersOk = true;
        for (int i = 0; i < targets.size(); i++) {
            Throwable err = ops.get(i).join();
            if (targets.get(i) == mirror.defaultLeg()) {
                primaryError = err;
            } else {
                othersOk &= err == null;
            }
        }
        CompletableFuture<Void> recorded = CompletableFuture.completedFuture(null);
        if (!othersOk && route == RegionTracker.Route.ALL_LEGS && primaryError == null) {
            mirror.tracker().markOutOfSync(region);
            recorded = mirror.log().flush();
        }
        Throwable failed = primaryError;
        return recorded.handle((v, logErr) -> {
            mirror.tracker().endWrite(region);
            if (failed != null) {
                throw new CompletionException(MirrorTarget.ioError(what + " at " + at + "+" + len
                        + " failed on default leg " + mirror.defaultLeg().name, failed));
            }
            if (logErr != null) {
                throw new CompletionException(MirrorTarget.ioError(what + " at " + at + "+" + len
                        + ": could not record region " + region + " out of sync", logErr));
            }
            return null;
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
