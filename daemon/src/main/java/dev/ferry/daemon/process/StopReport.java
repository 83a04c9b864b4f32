package dev.ferry.daemon.process;

import java.util.List;

/**
 * The outcome of a daemon stop, in stop order.
 *
 * @param reason   why the daemon stopped (signal, control API, start failure, ...)
 * @param services how each service stopped
 * @param clean    true when every service and the control server stopped cleanly in time
 */
public record StopReport(String reason, List<ServiceStop> services, boolean clean) {
    /** A copy with {@code clean} also requiring {@code alsoClean}. */
    StopReport and(boolean alsoClean) {
        return new StopReport(reason, services, clean && alsoClean);
    }
}
