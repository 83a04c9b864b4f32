package dev.ferry.daemon.cli.client;

import dev.ferry.daemon.command.ExitCodes;

/**
 * A control call that did not succeed: the daemon's error answer (stable name, HTTP status, message), or
 * a failure to reach or understand the daemon; carries the exit code to end the command with.
 */
public final class ControlCallException extends Exception {
    private static final long serialVersionUID = 1L;
    /** Error name when the daemon cannot be reached. */
    public static final String DAEMON_UNREACHABLE = "DAEMON_UNREACHABLE";
    /** Error name when the daemon's answer is not understood. */
    public static final String PROTOCOL_ERROR = "PROTOCOL_ERROR";

    private final String errorName;
    private final int httpStatus;
    private final int exitCode;

    private ControlCallException(String errorName, int httpStatus, int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.errorName = errorName;
        this.httpStatus = httpStatus;
        this.exitCode = exitCode;
    }

    /** The daemon refused with {@code errorName} and {@code httpStatus}. */
    public static ControlCallException daemonError(String errorName, int httpStatus, String message) {
        return new ControlCallException(errorName, httpStatus, ExitCodes.forHttpStatus(httpStatus), message, null);
    }

    /** The daemon could not be reached. */
    public static ControlCallException unreachable(String message, Throwable cause) {
        return new ControlCallException(DAEMON_UNREACHABLE, 0, ExitCodes.UNREACHABLE, message, cause);
    }

    /** The daemon's answer was not understood. */
    public static ControlCallException protocol(String message, Throwable cause) {
        return new ControlCallException(PROTOCOL_ERROR, 0, ExitCodes.PROTOCOL, message, cause);
    }

    /** The stable error name, e.g. {@code LV_NOT_FOUND} or {@link #DAEMON_UNREACHABLE}. */
    public String errorName() {
        return errorName;
    }

    /** The HTTP status of the daemon's answer, or 0 when there was none. */
    public int httpStatus() {
        return httpStatus;
    }

    /** The exit code (see {@link ExitCodes}). */
    public int exitCode() {
        return exitCode;
    }
}
