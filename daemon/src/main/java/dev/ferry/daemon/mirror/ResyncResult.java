package dev.ferry.daemon.mirror;

import java.util.List;

/**
 * What a resync rewrote so far: the LVs and PVs whose stale copies it resynced (resyncpv resyncs whole LEs, so other
 * PVs than the one named may be partly resynced), the logical extents resynced and the copies rewritten.
 */
public record ResyncResult(String vg, List<String> lvs, List<String> pvs, long extents, long copies) {
}
