package dev.ferry.daemon.mirror;

import dev.ferry.daemon.model.ErrorCode;
import dev.ferry.daemon.model.VolumeException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The LVs a mirror verb or a resync job works on, or a volume operation that must not meet one holds: one holder at a
 * time per LV, each named for the refusals of the others (INRESYNC).
 */
final class LvClaims {
    private final Map<String, String> holders = new HashMap<>();

    /** LV {@code lv} is held by {@code holder}. */
    record Conflict(String lv, String holder) {
    }

    /**
     * Claims every LV of {@code lvs} in {@code vg} for {@code holder} (e.g. {@code resynclv job 3}), or none.
     *
     * @return null when claimed, else the first LV already claimed and its holder
     */
    synchronized Conflict tryClaim(String vg, Collection<String> lvs, String holder) {
        List<String> taken = new ArrayList<>();
        for (String lv : lvs) {
            String other = holders.putIfAbsent(vg + "/" + lv, holder);
            if (other != null) {
                taken.forEach(holders::remove);
                return new Conflict(lv, other);
            }
            taken.add(vg + "/" + lv);
        }
        return null;
    }

    /**
     * Claims every LV of {@code lvs} in {@code vg} for {@code holder}, or none.
     *
     * @throws VolumeException INRESYNC naming the LV and what holds it
     */
    synchronized void claim(String vg, Collection<String> lvs, String holder) {
        Conflict other = tryClaim(vg, lvs, holder);
        if (other != null) {
            throw new VolumeException(ErrorCode.INRESYNC, other.holder() + " runs on " + vg + "/" + other.lv());
        }
    }

    /** Releases the claims on {@code lvs} in {@code vg}. */
    synchronized void release(String vg, Collection<String> lvs) {
        lvs.forEach(lv -> holders.remove(vg + "/" + lv));
    }
}
