package dev.ferry.daemon.mirror;

import dev.ferry.daemon.model.ErrorCode;
import dev.ferry.daemon.model.VolumeException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** The LVs a mirror verb or a resync job works on: one at a time per LV, others are refused with INRESYNC. */
final class LvClaims {
    private final Set<String> busy = new HashSet<>();

    /**
     * Claims every LV of {@code lvs} in {@code vg}, or none.
     *
     * @throws VolumeException INRESYNC naming the LV another verb holds
     */
    synchronized void claim(String vg, Collection<String> lvs) {
        List<String> taken = new ArrayList<>();
        for (String lv : lvs) {
            if (!busy.add(vg + "/" + lv)) {
                taken.forEach(busy::remove);
                throw new VolumeException(ErrorCode.INRESYNC, "another mirror verb or resync runs on " + vg + "/"
                        + lv);
            }
            taken.add(vg + "/" + lv);
        }
    }

    /** Releases the claims on {@code lvs} in {@code vg}. */
    synchronized void release(String vg, Collection<String> lvs) {
        lvs.forEach(lv -> busy.remove(vg + "/" + lv));
    }
}
