package dev.ferry.mapper.copy;

import java.util.EnumSet;
import java.util.Set;

/**
 * The life cycle of a {@link CopyJob}.
 *
 * <pre>
 * PENDING ──start──► RUNNING ──all chunks done──► FLUSHING ──flush ok (or none)──► COMPLETED
 *    │                  │  │                        │  │
 *    │ cancel           │  └──source / all dests────┼──┴──► FAILING ──in-flight drained──► FAILED
 *    ▼                  │ cancel                    │ cancel
 * CANCELLED ◄──drained── CANCELLING ◄───────────────┘
 * </pre>
 */
public enum CopyState {
    /** Created, not started. */
    PENDING,
    /** Issuing and completing chunks. */
    RUNNING,
    /** All chunks written; flushing the surviving destinations. */
    FLUSHING,
    /** Cancel requested: no new chunks; waiting for those in flight. */
    CANCELLING,
    /** An unrecoverable error happened: no new chunks; waiting for those in flight. */
    FAILING,
    /** Terminal: cancelled. */
    CANCELLED,
    /** Terminal: failed. */
    FAILED,
    /** Terminal: every surviving destination holds the range durably. */
    COMPLETED;

    /** Whether the job has ended. */
    public boolean terminal() {
        return this == CANCELLED || this == FAILED || this == COMPLETED;
    }

    /** The states this state may move to. */
    public Set<CopyState> successors() {
        return switch (this) {
            case PENDING -> EnumSet.of(RUNNING, CANCELLED);
            case RUNNING -> EnumSet.of(FLUSHING, CANCELLING, FAILING);
            case FLUSHING -> EnumSet.of(COMPLETED, CANCELLING, FAILING);
            case CANCELLING -> EnumSet.of(CANCELLED);
            case FAILING -> EnumSet.of(FAILED);
            case CANCELLED, FAILED, COMPLETED -> EnumSet.noneOf(CopyState.class);
        };
    }

    /** Throws {@link IllegalStateException} naming both states unless {@code next} is a successor. */
    public void checkTransition(CopyState next) {
        if (!successors().contains(next)) {
            throw new IllegalStateException("copy job cannot go from " + this + " to " + next);
        }
    }
}
