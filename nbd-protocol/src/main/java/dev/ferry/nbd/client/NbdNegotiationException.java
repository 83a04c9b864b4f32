package dev.ferry.nbd.client;

import dev.ferry.nbd.NbdNames;

/** The handshake failed: the server refused an option the client needs, or closed the connection. */
public final class NbdNegotiationException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int replyType;

    /** Creates the exception for an option error reply ({@code NBD_REP_ERR_*}), or 0 when there was none. */
    public NbdNegotiationException(int replyType, String message) {
        super(replyType == 0 ? message : message + ": " + NbdNames.replyType(replyType));
        this.replyType = replyType;
    }

    /** Creates the exception for a failure below the options, such as a TLS handshake that failed. */
    public NbdNegotiationException(String message, Throwable cause) {
        super(message, cause);
        this.replyType = 0;
    }

    /** The {@code NBD_REP_ERR_*} value the server sent, or 0 when the failure was not an option error. */
    public int replyType() {
        return replyType;
    }
}
