package dev.ferry.mapper.copy;

import java.io.IOException;
import java.util.List;

/** A copy failed: the source failed, or every destination did; names the range and each failure. */
public final class CopyException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient List<DestinationFailure> destinationFailures;

    CopyException(String message, Throwable cause, List<DestinationFailure> destinationFailures) {
        super(message, cause);
        this.destinationFailures = List.copyOf(destinationFailures);
    }

    /** Every destination dropped before the job ended. */
    public List<DestinationFailure> destinationFailures() {
        return destinationFailures;
    }
}
