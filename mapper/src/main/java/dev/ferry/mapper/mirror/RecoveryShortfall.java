package dev.ferry.mapper.mirror;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * The regions a {@code keep_serving} mirror's recovery gave up on in this run, and why: regions with no good copy
 * to read, and per leg the regions whose resync onto it failed. Recovery skips them, goes on with the others, and
 * ends DEGRADED with {@link #reason}. Guarded by the recovery's lock.
 */
final class RecoveryShortfall {

    private final BitSet skipped = new BitSet();
    private final BitSet noGoodCopy = new BitSet();
    private final BitSet[] notResyncedOnto;

    RecoveryShortfall(int legCount) {
        notResyncedOnto = new BitSet[legCount];
        for (int i = 0; i < legCount; i++) {
            notResyncedOnto[i] = new BitSet();
        }
    }

    /** Whether recovery gave up on {@code region}. */
    boolean skipped(int region) {
        return skipped.get(region);
    }

    /** {@code regions} have no good copy that could be read. */
    void noGoodCopy(List<Integer> regions) {
        regions.forEach(r -> {
            noGoodCopy.set(r);
            skipped.set(r);
        });
    }

    /** {@code regions} could not be copied (or flushed) onto {@code leg}. */
    void notResynced(Leg leg, List<Integer> regions) {
        regions.forEach(r -> {
            notResyncedOnto[leg.index].set(r);
            skipped.set(r);
        });
    }

    /** Why recovery ends degraded, naming the counts, or null if it gave up on nothing. */
    String reason(List<Leg> legs) {
        List<String> parts = new ArrayList<>();
        if (!noGoodCopy.isEmpty()) {
            parts.add(noGoodCopy.cardinality() + " regions have no good copy to resync from");
        }
        for (Leg leg : legs) {
            int n = notResyncedOnto[leg.index].cardinality();
            if (n > 0) {
                parts.add(n + " regions could not be resynced onto leg " + leg.index + " (" + leg.name + ")");
            }
        }
        return parts.isEmpty() ? null : String.join("; ", parts);
    }
}
