package dev.ferry.mapper.mirror;

/**
 * How background recovery ended.
 *
 * @param status        whether every region is in sync on every leg
 * @param regionsInSync regions in sync when recovery ended
 * @param regionCount   regions in total
 * @param reason        why recovery stopped short ({@code null} when in sync)
 */
public record RecoveryOutcome(Status status, int regionsInSync, int regionCount, String reason) {

    /** The end state of recovery. */
    public enum Status {
        /** Every region is in sync on every leg. */
        IN_SYNC,
        /**
         * A leg failed (or the default leg could not be read), or with keep_serving some regions had no readable good
         * copy or could not be copied onto a leg: those regions stay out of sync until the table is reloaded.
         */
        DEGRADED
    }
}
