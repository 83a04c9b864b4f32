package dev.ferry.daemon.pvmove;

import java.util.EnumSet;
import java.util.Set;

/**
 * The life of a pvmove job ({@code PvMoveJob} owns the transitions).
 *
 * <pre>
 * PLANNED ──run──► RUNNING ──all segments copied──► COMPLETING ──LVs switched──► COMPLETED
 *                  │  │                                 │
 *                  │  │ abort requested                 │ error
 *                  │  ▼                                 │
 *                  │ ABORTING ──LVs back──► ABORTED     │
 *                  │  │                                 │
 *                  │  │ error                           │
 *                  │  ▼                                 │
 *                  └► FAILED ◄──────────────────────────┘
 *               error
 * </pre>
 *
 * <p>An error in RUNNING, COMPLETING or ABORTING puts the LVs back on the source (best effort) and ends FAILED;
 * the job never fails or aborts before it leaves PLANNED, since {@code run} goes to RUNNING first (an abort
 * requested earlier is taken from RUNNING). A stop (daemon shutdown) is not a transition: the job keeps its
 * state, the move stays in the metadata and resumes at the next start. COMPLETED, ABORTED and FAILED are final.
 */
public enum JobState {
    /** Committed, not yet copying. */
    PLANNED,
    /** Copying segments. */
    RUNNING,
    /** Every segment copied; switching the LVs to the destination. */
    COMPLETING,
    /** Final: the LVs are on the destination. */
    COMPLETED,
    /** Putting the LVs back on the source (keeping completed segments unless atomic). */
    ABORTING,
    /** Final: aborted. */
    ABORTED,
    /** Final: stopped by an error; the LVs are on the source (plus completed segments unless atomic). */
    FAILED;

    /** The states this state may move to. */
    public Set<JobState> successors() {
        return switch (this) {
            case PLANNED -> EnumSet.of(RUNNING);
            case RUNNING -> EnumSet.of(COMPLETING, ABORTING, FAILED);
            case COMPLETING -> EnumSet.of(COMPLETED, FAILED);
            case ABORTING -> EnumSet.of(ABORTED, FAILED);
            case COMPLETED, ABORTED, FAILED -> EnumSet.noneOf(JobState.class);
        };
    }

    /** True for COMPLETED, ABORTED and FAILED. */
    public boolean terminal() {
        return successors().isEmpty();
    }

    /**
     * Checks that this state may move to {@code next}.
     *
     * @throws IllegalStateException naming both states unless {@code next} is a successor
     */
    public void checkTransition(JobState next) {
        if (!successors().contains(next)) {
            throw new IllegalStateException("pvmove job cannot go from " + this + " to " + next);
        }
    }
}
