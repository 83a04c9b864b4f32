package dev.ferry.nbd.client.resilient;

import dev.ferry.nbd.NbdConstants;
import java.io.IOException;

/**
 * A request that {@link ResilientNbdClient} failed on its own (no server answered it with an error): the caller
 * should report EIO, as a disk that stopped answering would.
 */
public abstract class NbdEioException extends IOException {

    private static final long serialVersionUID = 1L;

    /** Creates the exception with a message and an optional cause. */
    protected NbdEioException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The NBD error value to report: always {@link NbdConstants#NBD_EIO}. */
    public int errno() {
        return NbdConstants.NBD_EIO;
    }
}
