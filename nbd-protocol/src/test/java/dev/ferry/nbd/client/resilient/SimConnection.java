package dev.ferry.nbd.client.resilient;

import static dev.ferry.nbd.NbdConstants.NBD_CMD_FLAG_FUA;
import static dev.ferry.nbd.NbdConstants.NBD_CMD_FLUSH;
import static dev.ferry.nbd.NbdConstants.NBD_CMD_READ;
import static dev.ferry.nbd.NbdConstants.NBD_CMD_WRITE;
import static dev.ferry.nbd.NbdConstants.NBD_CMD_WRITE_ZEROES;

import dev.ferry.nbd.client.NbdConnectionClosedException;
import dev.ferry.nbd.client.NbdExportInfo;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One simulated connection: a request runs 10 µs to 3 ms after it arrives and its reply arrives 10 µs to 1 ms
 * later; when the connection drops, each request not yet run runs or not at random (a crash runs none), and the
 * unanswered ones fail with {@link NbdConnectionClosedException}.
 */
final class SimConnection implements Connection {

    private static final class Request {
        final Op op;
        final byte[] data;
        final CompletableFuture<Object> reply = new CompletableFuture<>();
        boolean processed;
        byte[] read;

        Request(Op op, byte[] data) {
            this.op = op;
            this.data = data;
        }
    }

    private final SimServer server;
    private final NbdExportInfo export;
    private final Map<String, Integer> metaContexts;
    private final List<Request> pending = new ArrayList<>();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private boolean open = true;
    private boolean hung;

    SimConnection(SimServer server) {
        this.server = server;
        this.export = server.export();
        this.metaContexts = server.metaContexts;
    }

    @Override
    public NbdExportInfo export() {
        return export;
    }

    @Override
    public Map<String, Integer> metaContexts() {
        return metaContexts;
    }

    @Override
    public CompletableFuture<Object> send(Op op) {
        ByteBuf payload = op.payloadForSend();
        byte[] data = null;
        if (payload != null) {
            data = ByteBufUtil.getBytes(payload);
            payload.release();
        }
        if (!open) {
            return CompletableFuture.failedFuture(new NbdConnectionClosedException("simulated: closed", null));
        }
        server.arriving(op);
        Request r = new Request(op, data);
        pending.add(r);
        if (!hung) {
            server.loop.schedule(() -> process(r), server.micros(10, 3000));
        }
        return r.reply;
    }

    private void process(Request r) {
        if (!open || hung || r.processed) {
            return;
        }
        apply(r);
        server.loop.schedule(() -> deliver(r), server.micros(10, 1000));
    }

    private void deliver(Request r) {
        if (!open || !pending.remove(r)) {
            return;
        }
        r.reply.complete(r.read == null ? null : Unpooled.wrappedBuffer(r.read));
    }

    private void apply(Request r) {
        r.processed = true;
        Op op = r.op;
        int from = (int) op.offset;
        int to = (int) (op.offset + op.length);
        switch (op.type) {
            case NBD_CMD_WRITE, NBD_CMD_WRITE_ZEROES -> {
                byte[] bytes = r.data == null ? new byte[to - from] : r.data;
                System.arraycopy(bytes, 0, server.live, from, bytes.length);
                if ((op.flags & NBD_CMD_FLAG_FUA) != 0) {
                    System.arraycopy(bytes, 0, server.durable, from, bytes.length);
                }
            }
            case NBD_CMD_FLUSH -> server.durable = server.live.clone();
            case NBD_CMD_READ -> r.read = Arrays.copyOfRange(server.live, from, to);
            default -> { } // TRIM: contents become undefined; the simulation keeps them
        }
    }

    /** The request in flight here whose write overlaps {@code op}'s, or null. */
    String overlapping(Op op) {
        for (Request r : pending) {
            if (r.op.modifies() && r.op.offset < op.offset + op.length && op.offset < r.op.offset + r.op.length) {
                return r.op.describe();
            }
        }
        return null;
    }

    void hang() {
        hung = true;
    }

    /** Server crash: nothing pending runs. */
    void crash() {
        drop(false);
    }

    @Override
    public CompletableFuture<Void> closed() {
        return closed;
    }

    @Override
    public void close() {
        drop(true);
    }

    @Override
    public CompletableFuture<Void> disconnect() {
        drop(true);
        return closed;
    }

    private void drop(boolean mayRun) {
        if (!open) {
            return;
        }
        List<Request> all = new ArrayList<>(pending);
        pending.clear();
        for (Request r : all) {
            if (mayRun && !r.processed && server.random.nextBoolean()) {
                apply(r);
            }
        }
        open = false;
        server.closed(this);
        for (Request r : all) {
            r.reply.completeExceptionally(new NbdConnectionClosedException("simulated: connection dropped", null));
        }
        closed.complete(null);
    }
}
