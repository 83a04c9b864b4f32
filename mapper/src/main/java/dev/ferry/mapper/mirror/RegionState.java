package dev.ferry.mapper.mirror;

/** The state of one mirror region, as in dm-region-hash. */
public enum RegionState {
    /** In sync on every leg, no writes in flight or unsettled. */
    CLEAN,
    /** In sync, with writes in flight or not yet flushed: marked dirty in the log. */
    DIRTY,
    /** Not in sync: writes go to the default leg only (every good leg with keep_serving) until recovery copies it. */
    NOSYNC,
    /** Being copied by recovery: writes wait until the copy ends. */
    RECOVERING
}
