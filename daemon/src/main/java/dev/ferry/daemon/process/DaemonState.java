package dev.ferry.daemon.process;

/**
 * The lifecycle state of a {@link DaemonProcess}.
 *
 * <pre>
 *   NEW ──start()──► STARTING ──all services started──► RUNNING
 *    │                  │                                  │
 *    │          a service failed or                 stop requested
 *    │          stop requested                            │
 *    │                  ▼                                  ▼
 *    │               STOPPING ◄───────────────────────────┘
 *    │                  │ services stopped in reverse order, control server, lock released
 *    └─stop()─────────► STOPPED
 * </pre>
 */
public enum DaemonState {
    /** Built, nothing opened yet. */
    NEW,
    /** Data directory locked, control server up (answering system routes only), services starting in order. */
    STARTING,
    /** Every service started; operations are accepted. */
    RUNNING,
    /** Refusing operations; services are stopping in reverse start order within the deadline. */
    STOPPING,
    /** Everything closed; terminal. */
    STOPPED;

    /** True when a process may move from this state to {@code next}. */
    public boolean canMoveTo(DaemonState next) {
        switch (this) {
            case NEW:
                return next == STARTING || next == STOPPED;
            case STARTING:
                return next == RUNNING || next == STOPPING;
            case RUNNING:
                return next == STOPPING;
            case STOPPING:
                return next == STOPPED;
            default:
                return false;
        }
    }
}
