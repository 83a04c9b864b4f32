package dev.ferry.daemon.mirror;

import java.util.List;

/**
 * A resync that completed: the LVs and PVs whose copies it rewrote, the logical extents resynced and the copies
 * rewritten (none when nothing was stale).
 */
public record ResyncResult(String vg, List<String> lvs, List<String> pvs, long extents, long copies) {

    /** Always {@code SUCCESS}: an incomplete resync is refused with NOTSYNCED. */
    public String outcome() {
        return "SUCCESS";
    }
}
