package dev.ferry.nbd.client.resilient;

import dev.ferry.nbd.client.NbdLiveness;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.List;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Session}'s replays of writes acknowledged and not yet flushed: the {@link ReplayJournal} of the current
 * connection, and the replays it turned into at a loss, queued in front of every caller's request. A replay's
 * deadline restarts at every loss (no caller waits for it, and the data it carries is still the newest of its bytes);
 * one that fails puts its range among the {@link FlushLedger}'s lost; a FLUSH waits while any is pending; nothing
 * overlapping a replay on the wire, reads included, is sent before it ends. Confined to the client's loop.
 */
final class Replays {

    private static final Logger LOG = LoggerFactory.getLogger(Replays.class);

    private final Loop loop;
    private final NbdLiveness liveness;
    private final FlushLedger ledger;
    private final String exportName;
    private final Runnable pump;
    private final ReplayJournal journal;
    private final ArrayDeque<Op> queued = new ArrayDeque<>();
    private final OverlapGuard onWire = new OverlapGuard();
    /** Replays not yet answered or failed, queued or on the wire. */
    private int pending;

    /** Replays for export {@code exportName}, kept up to {@code limit} bytes; {@code pump} runs as each one ends. */
    Replays(Loop loop, NbdLiveness liveness, FlushLedger ledger, String exportName, long limit, Runnable pump) {
        this.loop = loop;
        this.liveness = liveness;
        this.ledger = ledger;
        this.exportName = exportName;
        this.pump = pump;
        this.journal = new ReplayJournal(limit);
    }

    /** A WRITE, WRITE_ZEROES or TRIM was acknowledged on the current connection. */
    void acknowledged(Op op) {
        journal.acknowledged(op);
    }

    /** {@code flush} is being sent: it covers what the journal holds now. */
    void flushSent(Op flush) {
        flush.journalMark = journal.mark();
    }

    /** {@code flush} succeeded: what it covers is durable. */
    void flushed(Op flush) {
        journal.flushed(flush.journalMark);
    }

    /** Whether the journal holds every write acknowledged and not yet flushed (see {@link ReplayJournal#complete}). */
    boolean complete() {
        return journal.complete();
    }

    /** The connection was lost: the journal's entries become replays, numbered by {@code seq}, queued last. */
    void connectionLost(LongSupplier seq) {
        onWire.clear();
        queued.forEach(this::restart);
        List<Op> taken = journal.takeReplays();
        if (!taken.isEmpty() || !journal.complete()) {
            LOG.info("NBD export '{}': {} write(s), {} bytes, acknowledged and not flushed before the loss, to be"
                    + " written again{}", exportName, taken.size(), taken.stream().mapToLong(op -> op.length).sum(),
                    journal.complete() ? "" : "; others did not fit the journal, so the next FLUSH may be refused");
        }
        for (Op op : taken) {
            op.start(seq.getAsLong(), loop.nanoTime(), 0, 0);
            restart(op);
            pending++;
            op.future().whenComplete((v, e) -> {
                ReferenceCountUtil.release(v);
                if (e != null) {
                    ledger.replayFailed(op.offset, op.length);
                }
                pending--;
                pump.run();
            });
            queued.add(op);
        }
    }

    /** A replay taken off a lost wire goes back in front, with a new deadline. */
    void putBack(Op replay) {
        restart(replay);
        queued.addFirst(replay);
    }

    /** The link goes RECONNECTING again after FAILED: the queued replays get new deadlines. */
    void restartQueued() {
        queued.forEach(this::restart);
    }

    /** The replays waiting to be sent, first first. */
    ArrayDeque<Op> queued() {
        return queued;
    }

    /** Whether a replay has not ended yet: a FLUSH waits. */
    boolean pending() {
        return pending > 0;
    }

    /** Whether {@code op} overlaps a replay on the wire and must wait. */
    boolean blocks(Op op) {
        return op.length > 0 && onWire.overlaps(op.offset, op.length);
    }

    /** {@code op} goes on the wire. */
    void sent(Op op) {
        if (op.replay) {
            onWire.add(op.offset, op.length);
        }
    }

    /** {@code op} left the wire. */
    void offWire(Op op) {
        if (op.replay) {
            onWire.remove(op.offset);
        }
    }

    /** Releases what the journal keeps (the client closes). */
    void clear() {
        journal.clear();
    }

    /** A replay's deadline from now: the request timeout plus the reconnect window. */
    private void restart(Op replay) {
        replay.start(replay.seq(), loop.nanoTime(), liveness.requestTimeout().toNanos(),
                liveness.reconnectWindow().toNanos());
    }
}
