package dev.ferry.daemon.pvmove;

import java.util.EnumSet;
import java.util.Set;

/**
 * The life of a pvmove job.
 * <pre>
 *   PLANNED -> RUNNING -> COMPLETING -> COMPLETED
 *      |          |  \-> ABORTING -> ABORTED
 *      |          \----> FAILED
 *      \-> ABORTING / FAILED
 * </pre>
 * COMPLETED, ABORTED and FAILED are final.
 */
public enum JobState {
    /** Committed, not yet copying. */
    PLANNED,
    /** Copying segments. */
    RUNNING,
    /** Every segment copied; switching the LVs to the destination. */
    COMPLETING,
    /** Done: the LVs are on the destination. */
    COMPLETED,
    /** Putting the LVs back on the source (keeping completed segments unless atomic). */
    ABORTING,
    /** Aborted. */
    ABORTED,
    /** Stopped by an error; the LVs are on the source (plus completed segments unless atomic). */
    FAILED;

    /** States reachable from this one. */
    Set<JobState> next() {
        return switch (this) {
            case PLANNED -> EnumSet.of(RUNNING, ABORTING, FAILED);
            case RUNNING -> EnumSet.of(COMPLETING, ABORTING, FAILED);
            case COMPLETING -> EnumSet.of(COMPLETED, FAILED);
            case ABORTING -> EnumSet.of(ABORTED, FAILED);
            case COMPLETED, ABORTED, FAILED -> EnumSet.noneOf(JobState.class);
        };
    }

    /** True for COMPLETED, ABORTED and FAILED. */
    public boolean isFinal() {
        return next().isEmpty();
    }

    /**
     * The state after moving to {@code to}.
     *
     * @throws IllegalStateException naming both states if the transition is not allowed
     */
    JobState to(JobState to) {
        if (!next().contains(to)) {
            throw new IllegalStateException("pvmove job cannot go from " + this + " to " + to);
        }
        return to;
    }
}
