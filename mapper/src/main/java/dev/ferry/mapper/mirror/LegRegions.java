package dev.ferry.mapper.mirror;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Which legs of a mirror hold a good copy of each region, and so which legs a region's reads, writes and
 * recovery use. Without {@code keep_serving} a leg is good while it is alive, and out-of-sync regions are read
 * and written on the default leg alone (the source pvmove relies on). With {@code keep_serving} a failure makes
 * single region copies stale rather than killing a leg: a leg is good for a region unless its copy of it is
 * stale or absent (the leg has no copy of it at all), and a stale or absent copy is never read nor written. A region
 * stale on some leg is always out of sync in the log; an absent copy is no reason to copy anything. Recovery copies a
 * region onto its stale copies only, unless the region was out of sync when the mirror was loaded (the log says its
 * copies may differ: a crash, a new log) or since without a stale copy, when it goes onto every present copy.
 * Thread-safe.
 */
final class LegRegions {

    private final List<Leg> legs;
    private final RegionLog log;
    private final boolean keepServing;
    /** Per leg, the regions whose copy on it is stale. */
    private final BitSet[] stale;
    /** Per leg, the regions whose copy on it was stale at load or was marked stale since (never cleared). */
    private final BitSet[] staleSinceLoad;
    /** Per leg, the regions it holds no copy of. */
    private final BitSet[] absent;
    /** The regions whose every present copy recovery rewrites (out of sync in the log at load). */
    private final BitSet wholeCopy = new BitSet();
    /** The round robin of reads through the legs (the watched path). */
    private final AtomicInteger nextRead = new AtomicInteger();
    /**
     * The round robin of reads through file spans, apart from {@link #nextRead}: with one counter, a reader whose
     * span read found nothing cached in one leg and fell back to the watched path would have that read start at the
     * next leg in lockstep, so a single sequential reader never read the first leg through the watched path, and a
     * leg whose disk failed reads was never read there and never found failing.
     */
    private final AtomicInteger nextSpanRead = new AtomicInteger();
    /** How often a whole leg was marked stale; recovery compares it across a copy. */
    private long wholeLegMarks;

    /**
     * Loads the stale and absent ranges of {@code features}, marking the stale regions out of sync in {@code log}
     * (a region both stale and absent on a leg is absent there).
     */
    LegRegions(List<Leg> legs, RegionLog log, MirrorFeatures features) {
        this.legs = legs;
        this.log = log;
        this.keepServing = features.keepServing();
        this.stale = new BitSet[legs.size()];
        this.absent = new BitSet[legs.size()];
        this.staleSinceLoad = new BitSet[legs.size()];
        for (int r = log.nextOutOfSync(0); r >= 0; r = r + 1 < log.regionCount() ? log.nextOutOfSync(r + 1) : -1) {
            wholeCopy.set(r);
        }
        for (Leg l : legs) {
            stale[l.index] = ranges(features.staleRanges().get(l.index), "stale regions of leg " + l.index);
            absent[l.index] = ranges(features.absentRanges().get(l.index), "absent regions of leg " + l.index);
            stale[l.index].andNot(absent[l.index]);
            stale[l.index].stream().forEach(r -> log.setInSync(r, false));
            staleSinceLoad[l.index] = (BitSet) stale[l.index].clone();
        }
    }

    private BitSet ranges(String text, String what) {
        return text == null ? new BitSet() : RegionRanges.parse(text, log.regionCount(), what);
    }

    boolean keepServing() {
        return keepServing;
    }

    /** The legs good for {@code region}, in leg order. */
    synchronized List<Leg> good(int region) {
        return legs.stream().filter(l -> keepServing ? !stale[l.index].get(region) && !absent[l.index].get(region)
                : !l.dead()).toList();
    }

    /**
     * With {@code keep_serving}, the legs recovery copies {@code region} onto from {@code source}: its stale copies,
     * or every present copy but the source's when the region is to be copied whole.
     */
    synchronized List<Leg> recoveryTargets(int region, Leg source) {
        boolean whole = wholeCopy.get(region) || legs.stream().noneMatch(l -> stale[l.index].get(region));
        return legs.stream().filter(l -> l != source && !absent[l.index].get(region)
                && (whole || stale[l.index].get(region))).toList();
    }

    /**
     * The legs a write to {@code region} goes to: with {@code keep_serving} every good leg; otherwise every live
     * leg of an in-sync region (and the default leg, whose failure fails the write), the default leg alone else.
     */
    List<Leg> writeLegs(int region, RegionTracker.Route route) {
        if (keepServing) {
            return good(region);
        }
        return route == RegionTracker.Route.ALL_LEGS
                ? legs.stream().filter(l -> l.index == 0 || !l.dead()).toList() : List.of(legs.get(0));
    }

    /**
     * The legs a read of {@code region} tries, in order: for an in-sync region every good leg, starting at the
     * next in a round robin (balanced reads); for an out-of-sync one the good legs from its source on
     * ({@code keep_serving}), or the default leg alone while it lives.
     */
    List<Leg> readLegs(int region) {
        List<Leg> good = good(region);
        if (log.inSync(region)) {
            return rotated(good, nextRead);
        }
        if (keepServing) {
            return good;
        }
        return good.isEmpty() || good.get(0).index != 0 ? List.of() : good.subList(0, 1);
    }

    /**
     * The leg recovery copies {@code region} from, and out-of-sync reads start at: the default leg, or with
     * {@code keep_serving} the first good leg; null if none is good.
     */
    Leg source(int region) {
        if (!keepServing) {
            return legs.get(0);
        }
        List<Leg> good = good(region);
        return good.isEmpty() ? null : good.get(0);
    }

    /** The first leg good for every region of {@code first..last} (the default leg without keep_serving), or null. */
    synchronized Leg sourceFor(int first, int last) {
        if (!keepServing) {
            return legs.get(0);
        }
        return legs.stream().filter(l -> goodThroughout(l, first, last)).findFirst().orElse(null);
    }

    /**
     * The legs a read through a file span of regions {@code first..last} may use, in the order to try them, starting
     * at the next in a round robin. In sync throughout: the live legs without read failures (with {@code keep_serving},
     * those whose copies are neither stale nor absent anywhere in the range). Otherwise, without {@code keep_serving},
     * the default leg alone if it lives and has no read failure recorded; with it, none: where copies may differ,
     * reads take the path that picks a good copy and falls over.
     */
    List<Leg> spanLegs(int first, int last) {
        int outOfSync = log.nextOutOfSync(first);
        boolean inSync = outOfSync < 0 || outOfSync > last;
        if (keepServing) {
            return inSync ? rotated(goodThroughout(first, last), nextSpanRead) : List.of();
        }
        if (inSync) {
            return rotated(good(first).stream().filter(l -> !l.failed(LegError.READ)).toList(), nextSpanRead);
        }
        Leg source = legs.get(0);
        return source.dead() || source.failed(LegError.READ) ? List.of() : List.of(source);
    }

    /** The live legs without read failures whose copies of regions {@code first..last} are all good. */
    private synchronized List<Leg> goodThroughout(int first, int last) {
        return legs.stream().filter(l -> !l.dead() && !l.failed(LegError.READ) && goodThroughout(l, first, last))
                .toList();
    }

    private boolean goodThroughout(Leg l, int first, int last) {
        int s = stale[l.index].nextSetBit(first);
        int a = absent[l.index].nextSetBit(first);
        return (s < 0 || s > last) && (a < 0 || a > last);
    }

    private static List<Leg> rotated(List<Leg> candidates, AtomicInteger next) {
        if (candidates.size() < 2) {
            return candidates;
        }
        int start = Math.floorMod(next.getAndIncrement(), candidates.size());
        List<Leg> order = new ArrayList<>(candidates.subList(start, candidates.size()));
        order.addAll(candidates.subList(0, start));
        return order;
    }

    /**
     * What recovery does with {@code region}, as a number equal for regions one copy may serve together: which
     * legs' copies are stale, which absent, and whether it is copied whole.
     */
    synchronized long copyShape(int region) {
        long shape = wholeCopy.get(region) ? 1 : 0;
        for (int i = 0; i < stale.length; i++) {
            shape |= (stale[i].get(region) ? 2L : 0) << (2 * i) | (absent[i].get(region) ? 4L : 0) << (2 * i);
        }
        return shape;
    }

    /** Marks the copy of {@code region} on {@code leg} stale (and the region out of sync); true if it was not. */
    synchronized boolean markStale(Leg leg, int region) {
        log.setInSync(region, false);
        if (stale[leg.index].get(region)) {
            return false;
        }
        stale[leg.index].set(region);
        staleSinceLoad[leg.index].set(region);
        return true;
    }

    /** Marks every region's copy on {@code leg} stale (and those regions out of sync), but where it has none. */
    synchronized void markAllStale(Leg leg) {
        stale[leg.index].set(0, log.regionCount());
        stale[leg.index].andNot(absent[leg.index]);
        staleSinceLoad[leg.index].or(stale[leg.index]);
        if (absent[leg.index].isEmpty()) {
            log.setAllOutOfSync();
        } else {
            stale[leg.index].stream().forEach(r -> log.setInSync(r, false));
        }
        wholeLegMarks++;
    }

    /** How often a whole leg was marked stale so far. */
    synchronized long wholeLegMarks() {
        return wholeLegMarks;
    }

    /** Recovery copied {@code region} onto its targets and flushed them: no copy of it is stale any more. */
    synchronized void resynced(int region) {
        for (BitSet s : stale) {
            s.clear(region);
        }
        wholeCopy.clear(region);
    }

    /** A snapshot of the regions whose copy on leg {@code leg} is stale. */
    synchronized BitSet staleRegions(int leg) {
        return (BitSet) stale[leg].clone();
    }

    /** A snapshot of the regions whose copy on leg {@code leg} was stale at load or has been marked stale since. */
    synchronized BitSet staleSinceLoad(int leg) {
        return (BitSet) staleSinceLoad[leg].clone();
    }
}
