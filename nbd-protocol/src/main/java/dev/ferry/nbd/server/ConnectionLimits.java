package dev.ferry.nbd.server;

/**
 * Per-connection flow-control limits: the server stops reading requests while either is reached
 * (one request is always admitted when nothing is in flight).
 *
 * @param maxInFlightRequests requests accepted but not yet fully replied
 * @param maxInFlightBytes    READ lengths plus WRITE payload bytes of those requests
 */
public record ConnectionLimits(int maxInFlightRequests, long maxInFlightBytes) {

    /**
     * 64 requests and 32 MiB: four times what fio's 1 MiB reads at queue depth 8 keep in flight, and the bound that
     * keeps four clients holding unread 32 MiB READs under 400 MiB of daemon RSS (every reply is a buffer).
     */
    public static final ConnectionLimits DEFAULT = new ConnectionLimits(64, 32L * 1024 * 1024);

    /** Validates the limits. */
    public ConnectionLimits {
        if (maxInFlightRequests < 1 || maxInFlightBytes < 1) {
            throw new IllegalArgumentException("limits must be positive: " + maxInFlightRequests + ", "
                    + maxInFlightBytes);
        }
    }
}
