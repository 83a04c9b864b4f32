package dev.ferry.nbd.client;

import dev.ferry.nbd.NbdConstants;

/** A request the server answered with a non-zero NBD error value (e.g. {@code EINVAL}). */
public final class NbdErrorException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int errno;

    /** Creates the exception for an error value and the server's optional message. */
    public NbdErrorException(int errno, String what, String serverMessage) {
        super(what + " failed: " + nameOf(errno)
                + (serverMessage == null || serverMessage.isEmpty() ? "" : " (" + serverMessage + ")"));
        this.errno = errno;
    }

    /** The NBD error value the server sent. */
    public int errno() {
        return errno;
    }

    /** The spec name of the error value, e.g. {@code "EINVAL"}. */
    public String errorName() {
        return nameOf(errno);
    }

    /** The spec name of an NBD error value, or {@code "E<n>"} when it is not one the spec defines. */
    public static String nameOf(int errno) {
        return switch (errno) {
            case NbdConstants.NBD_EPERM -> "EPERM";
            case NbdConstants.NBD_EIO -> "EIO";
            case NbdConstants.NBD_ENOMEM -> "ENOMEM";
            case NbdConstants.NBD_EINVAL -> "EINVAL";
            case NbdConstants.NBD_ENOSPC -> "ENOSPC";
            case NbdConstants.NBD_EOVERFLOW -> "EOVERFLOW";
            case NbdConstants.NBD_ENOTSUP -> "ENOTSUP";
            case NbdConstants.NBD_ESHUTDOWN -> "ESHUTDOWN";
            default -> "E" + Integer.toUnsignedString(errno);
        };
    }
}
