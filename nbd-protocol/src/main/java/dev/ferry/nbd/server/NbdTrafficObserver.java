package dev.ferry.nbd.server;

/**
 * Watches what an {@link NbdServer} serves (for metrics): told once per connection entering transmission, it returns
 * that connection's {@link Connection}, which then hears of each request and of the close. Calls come from the
 * connection's event loop and must not block; implementations should resolve per-export state in
 * {@link #connectionOpened} so the per-request calls allocate nothing.
 */
@FunctionalInterface
public interface NbdTrafficObserver {

    /** Observes nothing. */
    NbdTrafficObserver NONE = exportName -> Connection.NONE;

    /** A connection entered transmission on export {@code exportName}; returns what observes its requests. */
    Connection connectionOpened(String exportName);

    /** The requests and end of one connection in transmission. */
    interface Connection {

        /** Observes nothing. */
        Connection NONE = new Connection() {
        };

        /**
         * A request of NBD command {@code command} (e.g. {@code NBD_CMD_READ}) was read; it is in flight until
         * {@link #requestCompleted}.
         */
        default void requestStarted(int command) {
        }

        /**
         * The reply to a request of {@code command} was written (or its write failed): {@code bytes} is the request's
         * length (0 for FLUSH), {@code nbdError} the error value replied (0 for success), {@code nanos} the time from
         * reading the request to the reply's last write.
         */
        default void requestCompleted(int command, long bytes, int nbdError, long nanos) {
        }

        /**
         * The connection left transmission (closed); called once. Requests still in flight then may be reported
         * completed after this call, or never.
         */
        default void closed() {
        }
    }
}
