package dev.ferry.nbd.client.resilient;

/** The link is FAILED (no connection within the reconnect window, or the server now offers another export). */
public final class NbdUnavailableException extends NbdEioException {

    private static final long serialVersionUID = 1L;

    /** Creates the exception naming why the link failed. */
    public NbdUnavailableException(String message) {
        super(message, null);
    }
}
