package dev.ferry.nbd.client.resilient;

import static dev.ferry.nbd.NbdConstants.NBD_CMD_READ;

import dev.ferry.nbd.client.NbdConnectionClosedException;
import dev.ferry.nbd.client.NbdExportInfo;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.function.BiConsumer;

/**
 * Proves an idle connection's server still answers: after {@code interval} without a request sent or answered, a
 * READ of the export's first {@code max(512, minimum block size)} bytes (at most the export size); unanswered within
 * the request timeout, the connection counts as dead. A READ, because a hung server process keeps its TCP
 * connection alive. Any answer, an error included, proves the server alive. Runs on the client's loop.
 */
final class Heartbeat {

    private final Loop loop;
    private final Duration interval;
    private final long length;
    private final BiConsumer<Connection, String> dead;
    private Connection conn;
    private Op pending;
    private long pendingSince;
    private long lastActivity;

    Heartbeat(Loop loop, NbdExportInfo export, Duration interval, BiConsumer<Connection, String> dead) {
        this.loop = loop;
        this.interval = interval;
        int minimum = export.blockSize() == null ? 1 : export.blockSize().minimum();
        this.length = Math.min(export.size(), Math.max(512, minimum));
        this.dead = dead;
    }

    /** Watches a new connection. */
    void start(Connection c) {
        conn = c;
        pending = null;
        lastActivity = loop.nanoTime();
    }

    /** Stops watching (the connection is gone); an answer still due is ignored. */
    void stop() {
        conn = null;
        pending = null;
    }

    /** A request was sent or answered. */
    void activity() {
        lastActivity = loop.nanoTime();
    }

    /** Declares the connection dead when a heartbeat is overdue; sends one when due and {@code idle}. */
    void tick(Duration timeout, boolean idle) {
        Connection c = conn;
        if (c == null) {
            return;
        }
        long now = loop.nanoTime();
        if (pending != null) {
            if (now - pendingSince >= timeout.toNanos()) {
                stop();
                dead.accept(c, "heartbeat READ not answered within " + timeout);
            }
            return;
        }
        if (idle && !interval.isZero() && length > 0 && now - lastActivity >= interval.toNanos()) {
            send(c, now);
        }
    }

    private void send(Connection c, long now) {
        Op op = new Op(NBD_CMD_READ, 0, 0, length, null);
        pending = op;
        pendingSince = now;
        c.send(op).whenComplete((result, error) -> loop.run(() -> {
            ReferenceCountUtil.release(result);
            if (pending != op) {
                return;
            }
            pending = null;
            lastActivity = loop.nanoTime();
            Throwable cause = error instanceof CompletionException && error.getCause() != null
                    ? error.getCause() : error;
            if (cause instanceof NbdConnectionClosedException) {
                stop();
                dead.accept(c, "connection closed: " + cause.getMessage());
            }
        }));
    }
}
