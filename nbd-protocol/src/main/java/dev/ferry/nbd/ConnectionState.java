package dev.ferry.nbd;

import java.util.EnumSet;
import java.util.Set;

/**
 * The transmission phase of one NBD connection, on the server's side and the client's alike.
 *
 * <pre>
 * OPEN ──disconnect (DISC), or a rejection that loses sync──► DRAINING ──nothing in flight──► CLOSED
 *  │                                                                                           ▲
 *  └──────────────────────channel closed, framing lost, a reply that failed─────────────────────┘
 * </pre>
 * DRAINING takes no new requests and closes once the replies in flight are done; DRAINING may also end CLOSED by a
 * lost channel.
 */
public enum ConnectionState {
    /** Requests are taken and served. */
    OPEN,
    /** No new requests; the connection closes once the requests in flight have their replies. */
    DRAINING,
    /** Closed or closing: every request fails. */
    CLOSED;

    /** The states this state may move to. */
    public Set<ConnectionState> successors() {
        return switch (this) {
            case OPEN -> EnumSet.of(DRAINING, CLOSED);
            case DRAINING -> EnumSet.of(CLOSED);
            case CLOSED -> EnumSet.noneOf(ConnectionState.class);
        };
    }

    /**
     * Checks that this state may move to {@code next}.
     *
     * @throws IllegalStateException naming both states otherwise
     */
    public void checkTransition(ConnectionState next) {
        if (!successors().contains(next)) {
            throw new IllegalStateException("NBD connection cannot go from " + this + " to " + next);
        }
    }
}
