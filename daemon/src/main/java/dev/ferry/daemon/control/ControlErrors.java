package dev.ferry.daemon.control;

import java.util.regex.Pattern;

/** The error names the control plane itself answers with; volume and mapper errors add their own names. */
public final class ControlErrors {
    /** 400: the HTTP request could not be decoded. */
    public static final String BAD_HTTP_REQUEST = "BAD_HTTP_REQUEST";
    /** 400: a query or path parameter is missing or malformed. */
    public static final String INVALID_ARGUMENT = "INVALID_ARGUMENT";
    /** 400: the JSON body is missing, malformed or does not fit the expected shape. */
    public static final String INVALID_REQUEST_BODY = "INVALID_REQUEST_BODY";
    /** 404: no route has this path. */
    public static final String NO_SUCH_ENDPOINT = "NO_SUCH_ENDPOINT";
    /** 405: a route has this path but not this method. */
    public static final String METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED";
    /** 413: the request body exceeds the control plane's limit. */
    public static final String REQUEST_TOO_LARGE = "REQUEST_TOO_LARGE";
    /** 500: a handler failed in an unexpected way (a bug); the daemon log has the stack trace. */
    public static final String INTERNAL_ERROR = "INTERNAL_ERROR";
    /** 401: a request over loopback TCP without the daemon's control token. */
    public static final String UNAUTHORIZED = "UNAUTHORIZED";
    /** 403: a peer on the Unix socket that is not root, the daemon's user or a member of the control group. */
    public static final String FORBIDDEN = "FORBIDDEN";
    /** 503: the daemon is still starting and does not accept operations yet. */
    public static final String DAEMON_STARTING = "DAEMON_STARTING";
    /** 503: the daemon is shutting down and accepts no more operations. */
    public static final String DAEMON_STOPPING = "DAEMON_STOPPING";
    /** 503: too many requests are queued. */
    public static final String CONTROL_BUSY = "CONTROL_BUSY";

    private static final Pattern NAME = Pattern.compile("[A-Z][A-Z0-9_]*");

    private ControlErrors() {
    }

    /** True when {@code name} is a well-formed error name (upper-case letters, digits, underscores). */
    public static boolean isValidName(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    /** A 400 {@link #INVALID_ARGUMENT} error. */
    public static ControlException invalidArgument(String message) {
        return new ControlException(INVALID_ARGUMENT, 400, message);
    }
}
