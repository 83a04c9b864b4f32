package dev.ferry.daemon.export;

import dev.ferry.mapper.block.BlockIoException;
import dev.ferry.nbd.NbdConstants;
import dev.ferry.nbd.export.ExportException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Translates block device failures into the NBD error values of {@link ExportException}. */
public final class NbdErrors {

    private NbdErrors() {
    }

    /** The NBD error value for a block device failure kind (spec "Error values", reference §1.7). */
    public static int errorFor(BlockIoException.Kind kind) {
        return switch (kind) {
            case NO_SPACE -> NbdConstants.NBD_ENOSPC;
            case INVALID -> NbdConstants.NBD_EINVAL;
            case NOT_SUPPORTED -> NbdConstants.NBD_ENOTSUP;
            case READ_ONLY -> NbdConstants.NBD_EPERM;
            case SHUTDOWN -> NbdConstants.NBD_ESHUTDOWN;
            case IO_ERROR -> NbdConstants.NBD_EIO;
        };
    }

    /**
     * Turns any failure of a device future into an {@link ExportException}: block device errors keep
     * their kind, an export exception passes through, anything else becomes {@code NBD_EIO}.
     */
    public static ExportException translate(Throwable failure) {
        Throwable cause = unwrap(failure);
        if (cause instanceof ExportException e) {
            return e;
        }
        if (cause instanceof BlockIoException e) {
            return new ExportException(errorFor(e.kind()), e.getMessage(), e);
        }
        return new ExportException(NbdConstants.NBD_EIO, String.valueOf(cause), cause);
    }

    private static Throwable unwrap(Throwable failure) {
        Throwable t = failure;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
