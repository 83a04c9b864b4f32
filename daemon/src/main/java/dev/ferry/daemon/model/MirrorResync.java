package dev.ferry.daemon.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * A resync or migratepp under way on a mirrored LV, kept in the LV's {@link MirrorOptions} from the commit that
 * starts it to the commit that ends it, so that a daemon restarted meanwhile (stopped or killed) resumes it. What is
 * left to copy is the stale copies of {@code extents}: a forced resync marks its copies stale in the commit that
 * records it, and a migratepp adds its new copy stale in that commit, so a resumed job is a plain stale resync.
 *
 * @param verb    {@code resynclp}, {@code resynclv}, {@code resyncpv} or {@code migratepp}
 * @param pv      the PV a resyncpv names, else null
 * @param force   whether a resync was asked with force (its copies are already marked)
 * @param extents the LEs of this LV the job resyncs, as runs in LE order
 * @param move    a migratepp's copy move, else null
 */
public record MirrorResync(String verb, UUID pv, boolean force, List<Run> extents, Move move) {
    /** The verbs a record may name. */
    public static final Set<String> VERBS = Set.of("resynclp", "resynclv", "resyncpv", "migratepp");

    /**
     * Validates the fields: a known verb, a PV exactly for resyncpv, a move exactly for migratepp, some extents in
     * ascending runs that do not touch.
     */
    public MirrorResync {
        extents = List.copyOf(extents);
        for (int i = 1; i < extents.size(); i++) {
            if (extents.get(i).start() <= extents.get(i - 1).start() + extents.get(i - 1).count()) {
                throw new IllegalArgumentException("LE runs out of order or touching: " + extents);
            }
        }
        if (!VERBS.contains(verb) || (pv != null) != verb.equals("resyncpv") || (move != null) != verb.equals(
                "migratepp") || extents.isEmpty()) {
            throw new IllegalArgumentException("bad mirror resync record " + verb + " pv " + pv + " move " + move
                    + " extents " + extents);
        }
    }

    /** LEs {@code [start, start + count)}. */
    public record Run(long start, long count) {
        /** Validates the run. */
        public Run {
            if (start < 0 || count <= 0) {
                throw new IllegalArgumentException("bad LE run " + start + "+" + count);
            }
        }
    }

    /**
     * A migratepp of LE {@code le}: its copy {@code source} (a PV area) goes to {@code destination}; with
     * {@code reduce} the source copy is still there and goes once the destination is synced (one or two copies),
     * without it the source was removed before the destination was added (three copies).
     */
    public record Move(long le, Area source, Area destination, boolean reduce) {
        /** Validates the fields: PV areas, a non-negative LE. */
        public Move {
            if (le < 0 || source.isLv() || destination.isLv()) {
                throw new IllegalArgumentException("bad migratepp record LE " + le + " " + source + " -> "
                        + destination);
            }
            source = source.withStale(false);
            destination = destination.withStale(false);
        }
    }

    /** The runs of {@code les} (in any order, without duplicates). */
    public static List<Run> runs(List<Long> les) {
        List<Run> out = new ArrayList<>();
        les.stream().sorted().forEach(le -> {
            Run last = out.isEmpty() ? null : out.get(out.size() - 1);
            if (last != null && last.start() + last.count() == le) {
                out.set(out.size() - 1, new Run(last.start(), last.count() + 1));
            } else {
                out.add(new Run(le, 1));
            }
        });
        return out;
    }

    /** The LEs of {@link #extents}, in order. */
    public List<Long> les() {
        List<Long> out = new ArrayList<>();
        extents.forEach(r -> {
            for (long le = r.start(); le < r.start() + r.count(); le++) {
                out.add(le);
            }
        });
        return out;
    }
}
