package dev.ferry.daemon.mirror;

import java.util.EnumSet;
import java.util.Set;

/**
 * The life of a mirror job, a resync or a migratepp ({@code MirrorJob} owns the transitions).
 *
 * <pre>
 * RUNNING ──every chosen copy synced; a migratepp done (RESYNC_FAILED a warning)──► SUCCEEDED
 *    │ ──copies left stale (leg failed, no progress)──► NOTSYNCED
 *    └──error (LV deactivated, commit failed, MIGRATE_FAIL, LOSTPP)──► FAILED
 * </pre>
 *
 * <p>A job is RUNNING from its start: refusals (INVALID_ARGUMENT, OFFLINE, INRESYNC, INVLPRED) come before it
 * exists. A stop (daemon shutdown) is not a transition: the job stays RUNNING, its record stays in the metadata and
 * the next start resumes it. SUCCEEDED, NOTSYNCED and FAILED are final.
 */
public enum ResyncState {
    /** Marking and copying. */
    RUNNING,
    /** Final: every chosen copy is good, or a migratepp moved its copy (stale if its outcome is RESYNC_FAILED). */
    SUCCEEDED,
    /** Final: some copies stay stale (AIX's LVM_NOTSYNCED); the error names them. */
    NOTSYNCED,
    /** Final: stopped by an error; copies synced before it are marked good, the rest stay stale. */
    FAILED;

    /** The states this state may move to. */
    public Set<ResyncState> successors() {
        return switch (this) {
            case RUNNING -> EnumSet.of(SUCCEEDED, NOTSYNCED, FAILED);
            case SUCCEEDED, NOTSYNCED, FAILED -> EnumSet.noneOf(ResyncState.class);
        };
    }

    /** True for SUCCEEDED, NOTSYNCED and FAILED. */
    public boolean terminal() {
        return successors().isEmpty();
    }

    /**
     * Checks that this state may move to {@code next}.
     *
     * @throws IllegalStateException naming both states unless {@code next} is a successor
     */
    public void checkTransition(ResyncState next) {
        if (!successors().contains(next)) {
            throw new IllegalStateException("resync job cannot go from " + this + " to " + next);
        }
    }
}
