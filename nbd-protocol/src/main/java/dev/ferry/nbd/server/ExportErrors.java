package dev.ferry.nbd.server;

import dev.ferry.nbd.NbdConstants;
import dev.ferry.nbd.export.ExportException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Maps a failed export future to the NBD error value sent to the client. */
final class ExportErrors {

    private ExportErrors() {
    }

    /** The cause behind completion wrappers. */
    static Throwable unwrap(Throwable t) {
        Throwable c = t;
        while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }

    /** {@link ExportException#nbdError()} for export exceptions, NBD_EIO for anything else. */
    static int nbdError(Throwable t) {
        return unwrap(t) instanceof ExportException e ? e.nbdError() : NbdConstants.NBD_EIO;
    }
}
