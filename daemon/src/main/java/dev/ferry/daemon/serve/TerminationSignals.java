package dev.ferry.daemon.serve;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * Routes SIGTERM and SIGINT to an action instead of the JVM's default exit (which would end the
 * process with status 143/130 before a graceful shutdown completes). Falls back to a shutdown hook
 * where the signals cannot be handled.
 */
public final class TerminationSignals {

    private static final Logger log = LoggerFactory.getLogger(TerminationSignals.class);

    private TerminationSignals() {
    }

    /** Runs {@code action} (once per signal) on SIGTERM or SIGINT. */
    public static void onTermination(Runnable action) {
        try {
            for (String name : new String[] {"TERM", "INT"}) {
                Signal.handle(new Signal(name), signal -> {
                    log.info("received SIG{}, shutting down", signal.getName());
                    action.run();
                });
            }
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            log.warn("cannot handle termination signals ({}); using a shutdown hook", e.getMessage());
            Runtime.getRuntime().addShutdownHook(new Thread(action, "ferry-shutdown"));
        }
    }
}
