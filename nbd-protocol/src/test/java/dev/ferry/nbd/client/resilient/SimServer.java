package dev.ferry.nbd.client.resilient;

import static dev.ferry.nbd.NbdConstants.NBD_FLAG_HAS_FLAGS;
import static dev.ferry.nbd.NbdConstants.NBD_FLAG_SEND_FLUSH;
import static dev.ferry.nbd.NbdConstants.NBD_FLAG_SEND_FUA;
import static dev.ferry.nbd.NbdConstants.NBD_FLAG_SEND_TRIM;
import static dev.ferry.nbd.NbdConstants.NBD_FLAG_SEND_WRITE_ZEROES;

import dev.ferry.nbd.NbdConstants;
import dev.ferry.nbd.client.NbdExportInfo;
import java.net.ConnectException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

/**
 * An in-memory NBD server for the simulation: a volatile image and a durable one (FLUSH copies the first to the
 * second, FUA writes both), connections that answer after random delays and so out of order, and faults: drop a
 * connection, hang one, crash (the volatile image reverts to the durable one; every connection drops; connects
 * are refused for a while), come back with other size or flags. It records violations of the client's promises
 * (two overlapping writes on the wire at once).
 */
final class SimServer {

    /** Flags every simulated export offers. */
    static final int FLAGS = NBD_FLAG_HAS_FLAGS | NBD_FLAG_SEND_FLUSH | NBD_FLAG_SEND_FUA | NBD_FLAG_SEND_TRIM
            | NBD_FLAG_SEND_WRITE_ZEROES;

    final VirtualLoop loop;
    final Random random;
    byte[] live;
    byte[] durable;
    long size;
    int flags = FLAGS;
    /** The meta contexts a connection selects (name to id). */
    Map<String, Integer> metaContexts = Map.of(NbdConstants.BASE_ALLOCATION, 1);
    private boolean down;
    final List<SimConnection> connections = new ArrayList<>();
    final List<String> violations = new ArrayList<>();
    /** Submission numbers of the requests as they arrived, across connections. */
    final List<Long> arrivals = new ArrayList<>();

    SimServer(VirtualLoop loop, Random random, int size) {
        this.loop = loop;
        this.random = random;
        this.size = size;
        this.live = new byte[size];
        this.durable = new byte[size];
    }

    NbdExportInfo export() {
        return new NbdExportInfo("sim", "", size, flags, null);
    }

    /** Connects after 50 µs to 2 ms, or is refused while the server is down. */
    CompletableFuture<Connection> connect() {
        CompletableFuture<Connection> f = new CompletableFuture<>();
        loop.schedule(() -> {
            if (down) {
                f.completeExceptionally(new ConnectException("Connection refused (simulated)"));
            } else {
                SimConnection c = new SimConnection(this);
                connections.add(c);
                f.complete(c);
            }
        }, micros(50, 2000));
        return f;
    }

    long micros(int from, int to) {
        return (from + random.nextInt(to - from)) * 1000L;
    }

    /** Checks that a write arriving does not overlap a write on any connection's wire. */
    void arriving(Op op) {
        arrivals.add(op.seq());
        if (!op.modifies()) {
            return;
        }
        for (SimConnection c : connections) {
            String clash = c.overlapping(op);
            if (clash != null) {
                violations.add(op.describe() + " sent while " + clash + " was in flight");
            }
        }
    }

    void closed(SimConnection c) {
        connections.remove(c);
    }

    /** Drops a random connection (its unprocessed requests may or may not have run). */
    void dropOne() {
        if (!connections.isEmpty()) {
            connections.get(random.nextInt(connections.size())).close();
        }
    }

    /** Makes a random connection stop answering. */
    void hangOne() {
        if (!connections.isEmpty()) {
            connections.get(random.nextInt(connections.size())).hang();
        }
    }

    /** Crashes: unflushed data is lost, connections drop, and connects are refused for {@code downNanos}. */
    void crash(long downNanos) {
        down = true;
        for (SimConnection c : new ArrayList<>(connections)) {
            c.crash();
        }
        live = durable.clone();
        loop.schedule(() -> down = false, downNanos);
    }

    /** Comes back as another export (another size or flags) after a crash that loses nothing. */
    void restartAs(long newSize, int newFlags) {
        restartAs(newSize, newFlags, metaContexts);
    }

    /** Comes back as another export (another size, flags or meta contexts) after a crash that loses nothing. */
    void restartAs(long newSize, int newFlags, Map<String, Integer> newContexts) {
        for (SimConnection c : new ArrayList<>(connections)) {
            c.close();
        }
        size = newSize;
        flags = newFlags;
        metaContexts = newContexts;
    }
}
