package dev.ferry.nbd.client;

import java.io.IOException;

/** The connection closed (or was closed) before the request completed. */
public final class NbdConnectionClosedException extends IOException {

    private static final long serialVersionUID = 1L;

    /** Creates the exception, with the failure that closed the connection if there was one. */
    public NbdConnectionClosedException(String message, Throwable cause) {
        super(message, cause);
    }
}
