package dev.ferry.daemon.control;

import java.util.Objects;

/**
 * A refusal of a control request with a stable error name, the HTTP status it is answered with, and a
 * precise human message; answered as {@code {"error":{"name":NAME,"message":MESSAGE}}}.
 */
public class ControlException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String errorName;
    private final int httpStatus;

    /**
     * @param errorName  stable upper-case name scripts may match on, e.g. {@code LV_NOT_FOUND}
     * @param httpStatus HTTP status code, 400..599
     * @param message    precise human-readable message
     */
    public ControlException(String errorName, int httpStatus, String message) {
        this(errorName, httpStatus, message, null);
    }

    /** Same as {@link #ControlException(String, int, String)} keeping the cause for the log. */
    public ControlException(String errorName, int httpStatus, String message, Throwable cause) {
        super(Objects.requireNonNull(message, "message"), cause);
        if (!ControlErrors.isValidName(errorName)) {
            throw new IllegalArgumentException("error name must match [A-Z][A-Z0-9_]*: " + errorName);
        }
        if (httpStatus < 400 || httpStatus > 599) {
            throw new IllegalArgumentException("error HTTP status must be 400..599: " + httpStatus);
        }
        this.errorName = errorName;
        this.httpStatus = httpStatus;
    }

    /** The stable error name. */
    public String errorName() {
        return errorName;
    }

    /** The HTTP status the error is answered with. */
    public int httpStatus() {
        return httpStatus;
    }
}
