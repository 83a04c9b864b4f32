package dev.ferry.nbd.client.resilient;

import java.util.List;

/**
 * A FLUSH was refused because writes acknowledged on an earlier connection, and never flushed there, may not have
 * reached stable storage: the server restarted or the connection broke before a FLUSH covered them, and no
 * {@link UnflushedWritesHandler} rewrote them. Every later FLUSH fails the same way until each range is overwritten
 * (or discarded, or trimmed) through the client, or its owner calls {@link ResilientNbdClient#acknowledgeLostWrites()}.
 */
public final class NbdLostWritesException extends NbdEioException {

    private static final long serialVersionUID = 1L;

    private final transient List<ByteRange> ranges;
    private final long reconnects;

    /** Creates the exception for the ranges at risk and the link's reconnect count. */
    public NbdLostWritesException(List<ByteRange> ranges, long reconnects, Throwable rewriteFailure) {
        super("FLUSH refused: writes to " + ByteRange.describe(ranges) + " were acknowledged before a reconnect (the"
                + " link has reconnected " + reconnects + " time(s)) and no FLUSH covered them, so they may be lost"
                + (rewriteFailure == null ? "" : "; rewriting them failed: " + rewriteFailure), rewriteFailure);
        this.ranges = List.copyOf(ranges);
        this.reconnects = reconnects;
    }

    /** The byte ranges that may have been lost. */
    public List<ByteRange> ranges() {
        return ranges;
    }

    /** How many times the link had reconnected when the FLUSH was refused. */
    public long reconnects() {
        return reconnects;
    }
}
