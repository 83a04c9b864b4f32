package dev.ferry.nbd.export;

/** A failure an export reports with a specific NBD error value (e.g. {@code NBD_ENOSPC}). */
public final class ExportException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int nbdError;

    /** Creates the exception with an NBD error value from {@link dev.ferry.nbd.NbdConstants}. */
    public ExportException(int nbdError, String message) {
        super(message);
        this.nbdError = nbdError;
    }

    /** Creates the exception with a cause. */
    public ExportException(int nbdError, String message, Throwable cause) {
        super(message, cause);
        this.nbdError = nbdError;
    }

    /** The NBD error value sent to the client. */
    public int nbdError() {
        return nbdError;
    }
}
