package dev.ferry.daemon.process;

/** A configuration value (command line or config file) is missing, unknown or malformed. */
public final class DaemonConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    /** @param message precise description naming the key and its source */
    public DaemonConfigException(String message) {
        super(message);
    }

    /** Same, keeping the cause. */
    public DaemonConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
