package dev.ferry.nbd.client;

import dev.ferry.nbd.NbdNames;

/** A request the server answered with a non-zero NBD error value (e.g. {@code EINVAL}). */
public final class NbdErrorException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int errno;

    /** Creates the exception for an error value and the server's optional message. */
    public NbdErrorException(int errno, String what, String serverMessage) {
        super(what + " failed: " + NbdNames.error(errno)
                + (serverMessage == null || serverMessage.isEmpty() ? "" : " (" + serverMessage + ")"));
        this.errno = errno;
    }

    /** The NBD error value the server sent. */
    public int errno() {
        return errno;
    }

    /** The spec name of the error value, e.g. {@code "EINVAL"}. */
    public String errorName() {
        return NbdNames.error(errno);
    }
}
