package dev.ferry.nbd.client.resilient;

/**
 * A request was not answered within its deadline; if it was on the wire, its connection was treated as dead (the
 * request itself is not resent: a write that timed out leaves its range undefined).
 */
public final class NbdTimeoutException extends NbdEioException {

    private static final long serialVersionUID = 1L;

    /** Creates the exception naming the request and the deadline. */
    public NbdTimeoutException(String message) {
        super(message, null);
    }
}
