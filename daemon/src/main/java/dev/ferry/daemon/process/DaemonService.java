package dev.ferry.daemon.process;

/**
 * One part of the daemon with a lifecycle, e.g. the NBD server, volume activation or the job runner.
 * Services start in registration order once the data directory is locked and the control server is up;
 * they stop in reverse order.
 */
public interface DaemonService {
    /** Short name for logs, health and the shutdown report, e.g. {@code nbd-server}. */
    String name();

    /**
     * Starts the service; may add routes to {@code context.router()} and meters to its registry. If it
     * throws, the services started before it are stopped and the daemon does not start.
     */
    void start(DaemonContext context) throws Exception;

    /**
     * Stops gracefully: stop accepting, drain, flush, commit. Must return by {@code deadline}; after it,
     * the thread is interrupted and the daemon moves on to the next service (an unclean stop).
     */
    void stop(Deadline deadline) throws Exception;
}
