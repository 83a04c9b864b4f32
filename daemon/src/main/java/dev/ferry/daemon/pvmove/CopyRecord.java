package dev.ferry.daemon.pvmove;

import dev.ferry.daemon.model.LogicalVolume;
import dev.ferry.daemon.model.MoveState;
import dev.ferry.daemon.model.Segment;
import dev.ferry.mapper.mirror.MirrorTarget;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntToDoubleFunction;

/**
 * How far a pvmove job's copy got: the most of each segment a status read saw copied, the fractions noted when the
 * move ended short, and the bytes its copies wrote onto destinations (the recovery copies of every mirror target its
 * segments had during this job, zeroed runs included).
 */
final class CopyRecord {
    /** Per segment index, the most of it seen copied while all its legs were alive. */
    private final Map<Integer, Double> seenCopied = new ConcurrentHashMap<>();
    private final Set<MirrorTarget> mirrors = Collections.synchronizedSet(Collections.newSetFromMap(
            new IdentityHashMap<>()));
    private volatile double[] copiedAtEnd;

    /** Notes that segment {@code i} was seen {@code fraction} copied. */
    void sawCopied(int i, double fraction) {
        seenCopied.merge(i, fraction, Math::max);
    }

    /** The most segment {@code i} was seen copied, 0 if never. */
    double seenCopied(int i) {
        return seenCopied.getOrDefault(i, 0.0);
    }

    /** Counts the copies of {@code mirror} (a segment's live mirror) in {@link #transferredBytes}. */
    void track(MirrorTarget mirror) {
        mirrors.add(mirror);
    }

    /** Bytes written onto destinations by the copies of the mirrors tracked. */
    long transferredBytes() {
        synchronized (mirrors) {
            return mirrors.stream().mapToLong(MirrorTarget::resyncedBytes).sum();
        }
    }

    /**
     * Notes how far each segment of {@code layout} got, for a move about to end short (an abort or a failure takes
     * its devices down), once: a completed segment whole, a mirrored one (running or held) by what {@code live} says
     * its mirror copied or by the most a status read saw before, whichever is more, one not started nothing.
     */
    void noteEnd(LogicalVolume layout, IntToDoubleFunction live) {
        if (copiedAtEnd != null) {
            return;
        }
        List<Segment> segs = layout.segments();
        double[] fractions = new double[segs.size()];
        for (int i = 0; i < fractions.length; i++) {
            MoveState s = segs.get(i).moveState();
            fractions[i] = s == MoveState.COMPLETED ? 1 : s == MoveState.RUNNING || s == MoveState.HELD
                    ? Math.max(seenCopied.getOrDefault(i, 0.0), live.applyAsDouble(i)) : 0;
        }
        copiedAtEnd = fractions;
    }

    /** The fraction of segment {@code i} noted at the end, or NaN while the move has not ended short. */
    double atEnd(int i) {
        double[] fractions = copiedAtEnd;
        return fractions == null ? Double.NaN : i < fractions.length ? fractions[i] : 0;
    }
}
