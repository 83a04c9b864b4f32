package dev.ferry.daemon.command;

/**
 * The stable exit codes of every {@code ferry} command.
 *
 * <pre>
 *  code  meaning
 *  0     success
 *  1     the operation failed (a daemon error with no more specific code, 5xx; an unclean daemon stop)
 *  2     invalid command line or arguments (picocli usage errors; daemon answers 400 and 413; bad config)
 *  3     the named object does not exist (daemon answers 404)
 *  4     refused: no valid control token (401); not allowed: a peer or path the daemon refuses (403); in the
 *        current state: exists already, in use, busy, daemon
 *        starting or stopping (409, 423, 503)
 *  5     the daemon cannot be reached (no socket, connection refused, timeout)
 *  6     the daemon answered something this client does not understand (protocol or version mismatch)
 *  7     {@code ferry daemon} could not start (data directory locked, control endpoint in use, bind failed)
 * </pre>
 */
public final class ExitCodes {
    /** Success. */
    public static final int OK = 0;
    /** The operation failed. */
    public static final int FAILED = 1;
    /** Invalid command line or arguments. */
    public static final int USAGE = 2;
    /** The named object does not exist. */
    public static final int NOT_FOUND = 3;
    /** Refused in the current state. */
    public static final int REFUSED = 4;
    /** The daemon cannot be reached. */
    public static final int UNREACHABLE = 5;
    /** The daemon's answer was not understood. */
    public static final int PROTOCOL = 6;
    /** The daemon could not start. */
    public static final int START_FAILED = 7;

    private ExitCodes() {
    }

    /** The exit code for a daemon error answer with {@code httpStatus}. */
    public static int forHttpStatus(int httpStatus) {
        switch (httpStatus) {
            case 400:
            case 413:
                return USAGE;
            case 404:
                return NOT_FOUND;
            case 401:
            case 403:
            case 409:
            case 423:
            case 503:
                return REFUSED;
            default:
                return FAILED;
        }
    }
}
