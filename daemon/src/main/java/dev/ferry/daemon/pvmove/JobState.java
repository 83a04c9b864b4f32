package dev.ferry.daemon.pvmove;

import java.util.EnumSet;
import java.util.Set;

/**
 * The life of a pvmove job ({@code PvMoveJob} owns the transitions).
 *
 * <pre>
 * PLANNED ──run──► RUNNING ──all segments copied──► COMPLETING ──LVs switched─► COMPLETED
 *                   │  ▲
 *       destination │  │ continue
 *            failed ▼  │
 *                   HELD
 *
 * RUNNING, HELD ──abort requested──► ABORTING ──LVs back──► ABORTED
 * RUNNING, HELD, COMPLETING, ABORTING ──error──► FAILED
 * </pre>
 *
 * <p>An error in RUNNING, COMPLETING or ABORTING puts the LVs back on the source (best effort) and ends FAILED; a
 * destination that fails while segments copy (its mirror leg died, the source and the region log did not) is no such
 * error: the copying segments are committed HELD (their destination legs offline, the source serving, the region log
 * kept, regions written since marked out of sync) and the job waits in HELD for a continue (back to RUNNING, which
 * copies only what is out of sync), an abort, or a stop. The job never fails or aborts before it leaves PLANNED, since
 * {@code run} goes to RUNNING first (an abort requested earlier is taken from RUNNING). A stop (daemon shutdown) is not
 * a transition: the job keeps its state, the move stays in the metadata and resumes at the next start. COMPLETED,
 * ABORTED and FAILED are final.
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
    /**
     * Its destination failed: the segments that were copying are held (the source serves them, written regions go
     * out of sync in their region logs) until a continue, an abort or a stop.
     */
    HELD,
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
            case RUNNING -> EnumSet.of(COMPLETING, ABORTING, FAILED, HELD);
            case HELD -> EnumSet.of(RUNNING, ABORTING, FAILED);
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
