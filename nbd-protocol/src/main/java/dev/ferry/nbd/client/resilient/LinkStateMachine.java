package dev.ferry.nbd.client.resilient;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns a link's {@link LinkState} and its counters: every transition goes through here, is checked against
 * {@link LinkState#successors()}, and is published to the listeners. Mutated on the client's event loop only;
 * {@link #health()} may be read from any thread.
 */
final class LinkStateMachine {

    private static final Logger LOG = LoggerFactory.getLogger(LinkStateMachine.class);

    private final String name;
    private final List<LinkListener> listeners = new CopyOnWriteArrayList<>();
    private volatile LinkHealth health = new LinkHealth(LinkState.UP, 0, 0, "", Instant.now());

    LinkStateMachine(String name) {
        this.name = name;
    }

    LinkHealth health() {
        return health;
    }

    LinkState state() {
        return health.state();
    }

    void addListener(LinkListener listener) {
        listeners.add(listener);
    }

    /** UP → RECONNECTING: the connection was lost for {@code reason}. */
    void lost(String reason) {
        LinkHealth h = health;
        move(LinkState.RECONNECTING, h.reconnects(), h.losses() + 1, reason);
    }

    /** RECONNECTING → UP: the same export was negotiated again. */
    void up() {
        LinkHealth h = health;
        move(LinkState.UP, h.reconnects() + 1, h.losses(), h.lastFailure());
    }

    /** RECONNECTING → FAILED for {@code reason}. */
    void failed(String reason) {
        LinkHealth h = health;
        move(LinkState.FAILED, h.reconnects(), h.losses(), reason);
    }

    /** FAILED → RECONNECTING: the owner asked for another try. */
    void retry() {
        LinkHealth h = health;
        move(LinkState.RECONNECTING, h.reconnects(), h.losses(), h.lastFailure());
    }

    /** Any → CLOSED. */
    void closed() {
        LinkHealth h = health;
        move(LinkState.CLOSED, h.reconnects(), h.losses(), h.lastFailure());
    }

    private void move(LinkState next, long reconnects, long losses, String failure) {
        LinkHealth before = health;
        before.state().checkTransition(next);
        LinkHealth after = new LinkHealth(next, reconnects, losses, failure, Instant.now());
        health = after;
        if (next == LinkState.UP || next == LinkState.CLOSED) {
            LOG.info("NBD link {}: {} -> {}", name, before.state(), next);
        } else {
            LOG.warn("NBD link {}: {} -> {}: {}", name, before.state(), next, failure);
        }
        for (LinkListener l : listeners) {
            try {
                l.changed(before, after);
            } catch (RuntimeException e) {
                LOG.warn("NBD link {}: a state listener failed", name, e);
            }
        }
    }
}
