package dev.ferry.daemon.pvmove;

import dev.ferry.daemon.activation.Activator;
import dev.ferry.daemon.model.Area;
import dev.ferry.daemon.model.ErrorCode;
import dev.ferry.daemon.model.LogicalVolume;
import dev.ferry.daemon.model.Segment;
import dev.ferry.daemon.model.SegmentType;
import dev.ferry.daemon.model.VolumeGroup;
import dev.ferry.daemon.model.VolumeException;
import dev.ferry.mapper.mirror.LegComparison;
import dev.ferry.mapper.mirror.LegMismatch;
import dev.ferry.mapper.mirror.MirrorTarget;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;

/**
 * The {@code --verify} step of a pvmove segment whose copy is in sync, run before the commit that switches it to the
 * destination: its live mirror compares the destination leg with the source leg byte for byte, region by region,
 * holding the writes to each region while it is read ({@link MirrorTarget#compareLegs}). A difference is checked
 * once more on the mirror live then (a table reloaded meanwhile no longer held the region's writes), and if it is
 * still there, named as a {@link VerifyMismatch}.
 */
final class SegmentVerifier {

    private final Activator activator;
    private final String vgName;
    private final String pvmove;
    private final Set<Integer> verified = ConcurrentHashMap.newKeySet();
    private volatile VerifyMismatch mismatch;

    SegmentVerifier(Activator activator, String vgName, String pvmove) {
        this.activator = activator;
        this.vgName = vgName;
        this.pvmove = pvmove;
    }

    /**
     * Verifies each segment of {@code running} not verified yet, before the commit that switches them; a difference
     * fails the move (the source stays authoritative). False if {@code wake} (an abort or stop) came first.
     *
     * @throws VolumeException MIGRATE_FAIL naming the first difference
     */
    boolean verifyAll(List<Integer> running, VolumeGroup vg, CompletableFuture<Void> wake)
            throws InterruptedException {
        for (int i : running) {
            if (verified.contains(i)) {
                continue;
            }
            Outcome o = verify(vg, i, wake);
            if (o.interrupted()) {
                return false;
            }
            if (o.mismatch().isPresent()) {
                mismatch = o.mismatch().get();
                throw new VolumeException(ErrorCode.MIGRATE_FAIL, "pvmove " + pvmove + ": " + mismatch.describe()
                        + "; the segment was not switched: its data stays on the source");
            }
            verified.add(i);
        }
        return true;
    }

    /** Whether segment {@code i} was found equal on source and destination. */
    boolean verified(int i) {
        return verified.contains(i);
    }

    /** Where a difference was found, or null. */
    VerifyMismatch mismatch() {
        return mismatch;
    }

    /** The outcome of verifying one segment: equal, different (with where), or interrupted by {@code wake}. */
    private record Outcome(boolean interrupted, Optional<VerifyMismatch> mismatch) {
    }

    /**
     * Verifies segment {@code index} of the pvmove LV as {@code vg} describes it, stopping early (interrupted) when
     * {@code wake} completes.
     */
    private Outcome verify(VolumeGroup vg, int index, CompletableFuture<Void> wake) throws InterruptedException {
        long from = 0;
        while (true) {
            MirrorTarget mirror = activator.mirrorSegment(vgName, pvmove, index);
            Optional<LegMismatch> found = compare(mirror, from, mirror.size() - from, wake);
            if (found == null) {
                return new Outcome(true, Optional.empty());
            }
            if (found.isEmpty()) {
                return new Outcome(false, Optional.empty());
            }
            MirrorTarget live = activator.mirrorSegment(vgName, pvmove, index);
            long regionStart = found.get().region() * live.regionSize();
            Optional<LegMismatch> again = compare(live, regionStart,
                    Math.min(live.regionSize(), live.size() - regionStart), wake);
            if (again == null) {
                return new Outcome(true, Optional.empty());
            }
            if (again.isPresent()) {
                return new Outcome(false, Optional.of(locate(vg, index, again.get())));
            }
            from = regionStart + live.regionSize();
            if (from >= live.size()) {
                return new Outcome(false, Optional.empty());
            }
        }
    }

    /** The first difference in the range, empty if none, null if {@code wake} came first (the comparison stops). */
    private Optional<LegMismatch> compare(MirrorTarget mirror, long offset, long length,
            CompletableFuture<Void> wake) throws InterruptedException {
        LegComparison c = mirror.compareLegs(offset, length);
        try {
            CompletableFuture.anyOf(c.result(), wake).get();
        } catch (ExecutionException e) {
            // the comparison failed: reported below
        }
        if (!c.result().isDone()) {
            c.cancel();
            return null;
        }
        try {
            return c.result().get();
        } catch (ExecutionException e) {
            throw new VolumeException(ErrorCode.MIGRATE_FAIL, "pvmove " + pvmove + ": verify of " + mirror.describe()
                    + " could not compare the legs (" + e.getCause().getMessage() + "); the data stays on the source",
                    e.getCause());
        }
    }

    /** Names the PVs, bytes and moved LV of a difference found in segment {@code index}. */
    private VerifyMismatch locate(VolumeGroup vg, int index, LegMismatch m) {
        LogicalVolume lv = vg.requireLv(pvmove);
        Segment s = lv.segments().get(index);
        long extent = vg.extentSize();
        long pvmoveByte = s.startLe() * extent + m.offset();
        String movedLv = "an LV no longer listed";
        long lvByte = -1;
        for (LogicalVolume moved : vg.lvs()) {
            for (Segment ms : moved.segments()) {
                long areaExtents = ms.type() == SegmentType.STRIPED ? ms.extentCount() / ms.areas().size()
                        : ms.extentCount();
                for (Area a : ms.areas()) {
                    if (pvmove.equals(a.lv()) && pvmoveByte >= a.startPe() * extent
                            && pvmoveByte < (a.startPe() + areaExtents) * extent) {
                        movedLv = vg.name() + "/" + moved.name();
                        lvByte = ms.areas().size() == 1
                                ? ms.startLe() * extent + pvmoveByte - a.startPe() * extent : -1;
                    }
                }
            }
        }
        return new VerifyMismatch(index, movedLv, lvByte, pvName(vg, s.areas().get(0)), m.defaultLegByte(),
                pvName(vg, s.areas().get(1)), m.legByte());
    }

    private static String pvName(VolumeGroup vg, Area a) {
        return vg.pv(a.pv()).map(p -> p.name()).orElse(a.pv().toString());
    }
}
