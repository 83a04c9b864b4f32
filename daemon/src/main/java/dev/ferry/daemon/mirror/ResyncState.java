package dev.ferry.daemon.mirror;

import java.util.EnumSet;
import java.util.Set;

/**
 * The life of a resync job ({@code ResyncJob} owns the transitions).
 *
 * <pre>
 * RUNNING ──every chosen copy synced──► SUCCEEDED
 *    │ ──copies left stale (leg failed, no progress, daemon stopping)──► NOTSYNCED
 *    └──error (LV deactivated, commit failed)──► FAILED
 * </pre>
 *
 * <p>A job is RUNNING from its start: refusals (INVALID_ARGUMENT, OFFLINE, INRESYNC) come before it exists.
 * SUCCEEDED, NOTSYNCED and FAILED are final.
 */
public enum ResyncState {
    /** Marking and copying. */
    RUNNING,
    /** Final: every chosen copy is good. */
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
