package dev.ferry.daemon.process;

import java.util.EnumSet;
import java.util.Set;

/**
 * The life cycle of a {@link DaemonProcess} (which owns the transitions).
 *
 * <pre>
 * NEW ──start──► STARTING ──every service started──► RUNNING
 *  │                │                                  │
 *  │                │ a start step failed,             │ stop requested
 *  │                │ or stop requested                │
 *  │                ▼                                  │
 *  │             STOPPING ◄────────────────────────────┘
 *  │                │ services stopped in reverse order, control server stopped, lock released
 *  │ stop           ▼
 *  └──────────────► STOPPED
 * </pre>
 *
 * <p>A stop requested during STARTING is taken by the starting thread once the service it is starting returns.
 * STOPPING is a state of its own because the stop runs on its own thread for up to the shutdown deadline while
 * the control server still answers (operations get 503 {@code DAEMON_STOPPING}).
 */
public enum DaemonState {
    /** Built, nothing opened yet. */
    NEW,
    /** Data directory locked, control server up (answering system routes only), services starting in order. */
    STARTING,
    /** Every service started; operations are accepted. */
    RUNNING,
    /** Refusing operations; services are stopping in reverse start order within the deadline. */
    STOPPING,
    /** Terminal: everything closed. */
    STOPPED;

    /** The states this state may move to. */
    public Set<DaemonState> successors() {
        return switch (this) {
            case NEW -> EnumSet.of(STARTING, STOPPED);
            case STARTING -> EnumSet.of(RUNNING, STOPPING);
            case RUNNING -> EnumSet.of(STOPPING);
            case STOPPING -> EnumSet.of(STOPPED);
            case STOPPED -> EnumSet.noneOf(DaemonState.class);
        };
    }

    /** Throws {@link IllegalStateException} naming both states unless {@code next} is a successor. */
    public void checkTransition(DaemonState next) {
        if (!successors().contains(next)) {
            throw new IllegalStateException("daemon cannot move from " + this + " to " + next);
        }
    }
}
