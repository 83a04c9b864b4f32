package dev.ferry.nbd.client.resilient;

import static dev.ferry.nbd.NbdConstants.NBD_CMD_FLAG_FUA;
import static dev.ferry.nbd.NbdConstants.NBD_CMD_FLUSH;
import static dev.ferry.nbd.NbdConstants.NBD_CMD_READ;
import static dev.ferry.nbd.NbdConstants.NBD_CMD_TRIM;
import static dev.ferry.nbd.NbdConstants.NBD_CMD_WRITE;
import static dev.ferry.nbd.NbdConstants.NBD_CMD_WRITE_ZEROES;

import dev.ferry.nbd.client.NbdClientConfig;
import dev.ferry.nbd.client.NbdConnectionClosedException;
import dev.ferry.nbd.client.NbdExportInfo;
import dev.ferry.nbd.client.NbdLiveness;
import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;

/**
 * The state of a {@link ResilientNbdClient}, confined to its {@link Loop}: requests wait in submission order and go
 * on the wire of the current connection (at most {@code maxInFlight}, never two overlapping writes); a connection
 * loss puts the requests on its wire back in front of the queue, in submission order, for the next connection;
 * a periodic sweep enforces deadlines and sends heartbeats; FLUSHes and READs consult the {@link FlushLedger}. Writes
 * acknowledged but not yet flushed are kept for {@link Replays}: after a loss they are written again before
 * anything else, and a FLUSH due meanwhile waits for those replays.
 */
final class Session {

    private final Loop loop;
    private final NbdLiveness liveness;
    private final int maxInFlight;
    private final int capacity;
    private final NbdExportInfo export;
    private final Map<String, Integer> metaContexts;
    private final LinkStateMachine link;
    private final FlushLedger ledger;
    private final Reconnector reconnector;
    private final Hooks hooks;
    private final OverlapGuard guard = new OverlapGuard();
    private final ArrayDeque<Op> waiting = new ArrayDeque<>();
    /** Replays of writes acknowledged on a lost connection: sent before {@link #waiting}. */
    private final Replays replays;
    private final TreeMap<Long, Op> inFlight = new TreeMap<>();
    private final FlushGate gate;
    private final Heartbeat heartbeat;
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private Connection conn;
    private long nextSeq;
    private boolean pumping;
    private boolean draining;
    private Runnable sweeper = () -> { };

    /** The owner's ports: the client handed to the rewrite handler, the handler, the reconnect check. */
    record Hooks(ResilientNbdClient owner, UnflushedWritesHandler rewriter, ReconnectCheck check,
                 long replayLimit) {
    }

    Session(Loop loop, Connector connector, NbdClientConfig config, Connection first, LinkStateMachine link,
            Hooks hooks, int maxRanges) {
        this.loop = loop;
        this.liveness = config.liveness();
        this.maxInFlight = config.maxInFlight();
        this.capacity = config.maxInFlight() + config.maxQueued();
        this.export = first.export();
        this.metaContexts = Map.copyOf(first.metaContexts());
        this.link = link;
        this.hooks = hooks;
        this.ledger = new FlushLedger(export.size(), maxRanges);
        this.replays = new Replays(loop, liveness, ledger, export.name(), hooks.replayLimit(), this::pump);
        this.reconnector = new Reconnector(loop, connector, liveness.reconnectWindow(), this::reconnected,
                this::failed);
        this.gate = new FlushGate(loop, ledger, hooks, () -> link.health().reconnects(), flushes -> {
            requeue(flushes);
            pump();
        });
        this.heartbeat = new Heartbeat(loop, export, liveness.heartbeatInterval(), this::connectionLost);
        up(first);
        long tick = Math.max(Duration.ofMillis(5).toNanos(),
                Math.min(Duration.ofMillis(100).toNanos(), liveness.requestTimeout().toNanos() / 10));
        schedule(tick);
    }

    NbdExportInfo export() {
        return export;
    }

    Map<String, Integer> metaContexts() {
        return metaContexts;
    }

    CompletableFuture<Void> closedFuture() {
        return closed;
    }

    /** Takes a caller's request: queues it, or fails it at once when the link is FAILED, closed, or full. */
    void submit(Op op) {
        LinkState state = link.state();
        if (state == LinkState.CLOSED || draining) {
            op.fail(new NbdConnectionClosedException("NBD client for export '" + export.name() + "' is "
                    + (draining ? "disconnecting" : "closed") + "; no new requests", null));
        } else if (state == LinkState.FAILED) {
            op.fail(unavailable());
        } else if (waiting.size() + inFlight.size() + gate.held().size() >= capacity) {
            op.fail(new RejectedExecutionException("NBD client queue full: " + inFlight.size() + " in flight, "
                    + waiting.size() + " waiting"));
        } else {
            op.start(nextSeq++, loop.nanoTime(), liveness.requestTimeout().toNanos(),
                    state == LinkState.RECONNECTING ? liveness.reconnectWindow().toNanos() : 0);
            waiting.add(op);
            pump();
        }
    }

    /** FAILED → RECONNECTING on the owner's request; nothing otherwise. */
    void reconnect() {
        if (link.state() == LinkState.FAILED) {
            link.retry();
            replays.restartQueued();
            reconnector.start();
        }
    }

    List<ByteRange> lostWrites() {
        return ledger.lost();
    }

    List<ByteRange> acknowledgeLostWrites() {
        return ledger.acknowledgeLost();
    }

    /** Takes no new requests; sends DISC once everything pending is done, then closes. */
    void disconnect() {
        draining = true;
        maybeFinishDrain();
    }

    /** Closes now: everything pending fails. */
    void close() {
        if (link.state() == LinkState.CLOSED) {
            return;
        }
        replays.clear();
        link.closed();
        reconnector.cancel();
        sweeper.run();
        Connection c = conn;
        conn = null;
        heartbeat.stop();
        failAll(new NbdConnectionClosedException("NBD client for " + export.name() + " closed", null), true);
        if (c != null) {
            c.close();
            c.closed().whenComplete((v, e) -> closed.complete(null));
        } else {
            closed.complete(null);
        }
    }

    private void pump() {
        if (pumping) {
            return;
        }
        pumping = true;
        try {
            while (conn != null && inFlight.size() < maxInFlight
                    && !(replays.queued().isEmpty() && waiting.isEmpty())) {
                ArrayDeque<Op> queue = replays.queued().isEmpty() ? waiting : replays.queued();
                Op head = queue.peek();
                if (head.modifies() && guard.overlaps(head.offset, head.length) || replays.blocks(head)) {
                    return; // strict FIFO: everything behind waits for the overlapping write to finish
                }
                if (head.type == NBD_CMD_FLUSH && replays.pending()) {
                    return; // a FLUSH covers the replays: it waits until each has ended
                }
                if (head.type == NBD_CMD_FLUSH && ledger.hasLost()) {
                    queue.poll();
                    gate.hold(head);
                } else if (head.type == NBD_CMD_READ && ledger.lostOverlaps(head.offset, head.length)) {
                    queue.poll();
                    head.fail(new NbdLostDataReadException(head.offset, head.length, ledger.lost()));
                } else {
                    queue.poll();
                    send(head);
                }
            }
        } finally {
            pumping = false;
        }
        maybeFinishDrain();
    }

    private void send(Op op) {
        Connection c = conn;
        op.attempt = c;
        inFlight.put(op.seq(), op);
        if (op.modifies()) {
            guard.add(op.offset, op.length);
        }
        replays.sent(op);
        if (op.type == NBD_CMD_FLUSH) {
            op.flushSnapshot = ledger.beginFlush();
            replays.flushSent(op);
        }
        heartbeat.activity();
        c.send(op).whenComplete((result, error) -> loop.run(() -> answered(op, c, result, error)));
    }

    private void answered(Op op, Connection c, Object result, Throwable error) {
        if (op.attempt != c || op.isDone()) { // requeued after a loss, or timed out: a stale answer
            ReferenceCountUtil.release(result);
            return;
        }
        takeOffWire(op);
        heartbeat.activity();
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof NbdConnectionClosedException) {
            if (op.flushSnapshot != null) {
                ledger.flushLost(op.flushSnapshot, replays.complete());
                op.flushSnapshot = null;
            }
            connectionLost(c, cause.getMessage());
            putBack(List.of(op));
            return;
        }
        if (cause == null) {
            if (op.type == NBD_CMD_WRITE || op.type == NBD_CMD_WRITE_ZEROES) {
                ledger.written(op.offset, op.length, (op.flags & NBD_CMD_FLAG_FUA) != 0);
            } else if (op.type == NBD_CMD_TRIM) {
                ledger.trimmed(op.offset, op.length);
            } else if (op.type == NBD_CMD_FLUSH) {
                replays.flushed(op);
            }
            if (op.modifies()) {
                replays.acknowledged(op);
            }
            op.flushSnapshot = null;
            op.complete(result);
        } else {
            if (op.flushSnapshot != null) {
                ledger.flushFailed(op.flushSnapshot);
                op.flushSnapshot = null;
            }
            op.fail(cause);
        }
        pump();
    }

    /** Removes a request from the wire's bookkeeping (not from the server, which may still run it). */
    private void takeOffWire(Op op) {
        op.attempt = null;
        inFlight.remove(op.seq());
        if (op.modifies()) {
            guard.remove(op.offset);
        }
        replays.offWire(op);
    }

    /**
     * Puts requests taken off a lost wire back in their queues: replays in front, with a new deadline (no caller
     * waits for them, and the data they carry is still the newest for their bytes), the others in submission order.
     */
    private void putBack(List<Op> ops) {
        List<Op> others = new ArrayList<>();
        for (Op op : ops) {
            if (op.replay) {
                replays.putBack(op);
            } else {
                others.add(op);
            }
        }
        requeue(others);
    }

    private void requeue(List<Op> ops) {
        List<Op> all = new ArrayList<>(ops);
        all.addAll(waiting);
        all.sort(Comparator.comparingLong(Op::seq));
        waiting.clear();
        waiting.addAll(all);
    }

    /** The connection {@code c} is dead: its requests wait for the next one. A no-op for an older connection. */
    private void connectionLost(Connection c, String reason) {
        if (c != conn || c == null) {
            return;
        }
        conn = null;
        heartbeat.stop();
        List<Op> caught = new ArrayList<>(inFlight.values());
        for (Op op : caught) {
            takeOffWire(op);
            if (op.flushSnapshot != null) {
                ledger.flushLost(op.flushSnapshot, replays.complete());
                op.flushSnapshot = null;
            }
        }
        guard.clear();
        ledger.connectionLost(replays.complete());
        long grace = liveness.reconnectWindow().toNanos();
        caught.forEach(op -> op.extend(grace));
        waiting.forEach(op -> op.extend(grace));
        gate.held().forEach(op -> op.extend(grace));
        putBack(caught);
        replays.connectionLost(() -> nextSeq++);
        link.lost(reason);
        c.close();
        reconnector.start();
    }

    private void reconnected(Connection c) {
        String difference = SameExport.difference(export, metaContexts.keySet(), c.export(),
                c.metaContexts().keySet());
        if (difference != null) {
            c.close();
            failed(difference);
            return;
        }
        CompletionStage<Void> checked;
        try {
            checked = hooks.check().verify(c.export(), (offset, length) -> {
                Op read = new Op(NBD_CMD_READ, 0, offset, length, null);
                return c.send(read).thenApply(ByteBuf.class::cast);
            });
        } catch (RuntimeException e) {
            checked = CompletableFuture.failedFuture(e);
        }
        checked.whenComplete((v, e) -> loop.run(() -> {
            if (link.state() != LinkState.RECONNECTING || conn != null) {
                c.close(); // closed or failed (window over) meanwhile
            } else if (e != null) {
                c.close();
                Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                failed("reconnect check failed: " + cause.getMessage());
            } else {
                link.up();
                up(c);
            }
        }));
    }

    private void up(Connection c) {
        conn = c;
        heartbeat.start(c);
        c.closed().whenComplete((v, e) -> loop.run(() -> connectionLost(c, "connection closed by the server or the network")));
        pump();
    }

    private void failed(String reason) {
        if (link.state() != LinkState.RECONNECTING) {
            return;
        }
        reconnector.cancel();
        link.failed(reason);
        failAll(unavailable(), false);
    }

    private NbdUnavailableException unavailable() {
        LinkHealth h = link.health();
        return new NbdUnavailableException("NBD link to export '" + export.name() + "' is " + h.state() + ": "
                + h.lastFailure());
    }

    /**
     * Fails every caller's request; the replays too when {@code replaysToo} (on close), else they stay queued for the
     * connection a {@link #reconnect} may bring, without a deadline while the link is FAILED.
     */
    private void failAll(Throwable cause, boolean replaysToo) {
        List<Op> all = new ArrayList<>(inFlight.values());
        all.forEach(this::takeOffWire);
        if (replaysToo) {
            all.addAll(replays.queued());
            replays.queued().clear();
        } else {
            putBack(all.stream().filter(op -> op.replay).toList());
            all.removeIf(op -> op.replay);
        }
        all.addAll(waiting);
        all.addAll(gate.held());
        waiting.clear();
        gate.held().clear();
        guard.clear();
        all.forEach(op -> op.fail(cause));
        maybeFinishDrain();
    }

    private void maybeFinishDrain() {
        boolean replaysDue = !replays.queued().isEmpty() && link.state() != LinkState.FAILED; // close drops them
        if (!draining || replaysDue || !waiting.isEmpty() || !inFlight.isEmpty() || !gate.held().isEmpty()
                || link.state() == LinkState.CLOSED) {
            return;
        }
        Connection c = conn;
        if (c == null) {
            close();
            return;
        }
        conn = null;
        heartbeat.stop();
        c.disconnect().whenComplete((v, e) -> loop.run(this::close));
    }

    private void schedule(long tick) {
        sweeper = loop.schedule(() -> {
            sweep();
            if (link.state() != LinkState.CLOSED) {
                schedule(tick);
            }
        }, tick);
    }

    /** Fails every request past its deadline (dropping its connection if it is on the wire); heartbeats. */
    private void sweep() {
        long now = loop.nanoTime();
        List<Op> late = new ArrayList<>();
        Iterable<Op> queuedReplays = link.state() == LinkState.FAILED ? List.of() : replays.queued();
        for (Iterable<Op> ops : List.<Iterable<Op>>of(inFlight.values(), queuedReplays, waiting, gate.held())) {
            for (Op op : ops) {
                if (now - op.deadline() >= 0) {
                    late.add(op);
                }
            }
        }
        for (Op op : late) {
            timedOut(op);
        }
        heartbeat.tick(liveness.requestTimeout(), inFlight.isEmpty());
    }

    private void timedOut(Op op) {
        if (op.isDone()) {
            return;
        }
        NbdTimeoutException e = new NbdTimeoutException(op.describe() + " on export '" + export.name()
                + "' not answered within its deadline (request timeout " + liveness.requestTimeout()
                + ", reconnect window " + liveness.reconnectWindow() + ")");
        Connection c = op.attempt;
        if (c == null) {
            replays.queued().remove(op);
            waiting.remove(op);
            gate.held().remove(op);
            op.fail(e);
            pump();
            return;
        }
        takeOffWire(op);
        if (op.flushSnapshot != null) {
            ledger.flushLost(op.flushSnapshot, replays.complete());
            op.flushSnapshot = null;
        }
        connectionLost(c, "request timed out: " + e.getMessage()); // first: the caller sees RECONNECTING
        if (op.replay) {
            putBack(List.of(op)); // a replay is resent: it still carries the newest data of its bytes
        } else {
            op.fail(e);
        }
    }
}
