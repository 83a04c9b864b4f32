package dev.ferry.nbd.client.resilient;

import java.util.EnumSet;
import java.util.Set;

/**
 * The state of a {@link ResilientNbdClient}'s link to its export; {@link LinkStateMachine} owns the transitions.
 *
 * <pre>
 *   UP ──loss or timeout──► RECONNECTING ──window over, or another export──► FAILED
 *    ▲                        │     ▲                                          │
 *    └──same export again─────┘     └─────────────── reconnect() ──────────────┘
 *
 *   UP, RECONNECTING, FAILED ──close()──► CLOSED
 * </pre>
 * A loss is a closed connection, or a request or heartbeat unanswered within the request timeout; "another
 * export" is another size, a lost transmission flag, or a failed {@link ReconnectCheck}. UP sends requests;
 * RECONNECTING holds them (new ones too) for the reconnect window; FAILED fails every request at
 * once with {@link NbdUnavailableException} until {@code reconnect()}; CLOSED fails them for good.
 */
public enum LinkState {
    /** Connected: requests are sent. */
    UP,
    /** The connection was lost: requests wait for a new one, within the reconnect window. */
    RECONNECTING,
    /** No usable connection: requests fail at once until {@link ResilientNbdClient#reconnect()}. */
    FAILED,
    /** Closed by its owner: requests fail for good. */
    CLOSED;

    /** The states this state may move to. */
    public Set<LinkState> successors() {
        return switch (this) {
            case UP -> EnumSet.of(RECONNECTING, CLOSED);
            case RECONNECTING -> EnumSet.of(UP, FAILED, CLOSED);
            case FAILED -> EnumSet.of(RECONNECTING, CLOSED);
            case CLOSED -> EnumSet.noneOf(LinkState.class);
        };
    }

    /**
     * Checks that this state may move to {@code next}.
     *
     * @throws IllegalStateException naming both states otherwise
     */
    public void checkTransition(LinkState next) {
        if (!successors().contains(next)) {
            throw new IllegalStateException("NBD link cannot go from " + this + " to " + next);
        }
    }
}
