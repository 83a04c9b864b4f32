package dev.ferry.mapper.mirror;

/**
 * Events of a mirror target (dm raises a device event for the first two). Called on I/O completion
 * threads: implementations must be quick and must not block.
 */
public interface MirrorListener {

    /** A listener that ignores everything. */
    MirrorListener NONE = new MirrorListener() { };

    /** A leg failed for the first time with this kind of error. */
    default void legFailed(MirrorTarget mirror, LegFailure failure) {
    }

    /** Recovery made {@code region} in sync, durably in the log. */
    default void regionInSync(MirrorTarget mirror, int region) {
    }

    /** Recovery ended for good (all in sync, or degraded). */
    default void recoveryFinished(MirrorTarget mirror, RecoveryOutcome outcome) {
    }
}
