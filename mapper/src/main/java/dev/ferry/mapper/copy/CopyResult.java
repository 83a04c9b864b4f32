package dev.ferry.mapper.copy;

import java.util.List;

/**
 * The outcome of a completed copy: every destination not listed in {@code failedDestinations} holds
 * the source range and was flushed.
 *
 * @param bytesCopied        bytes read from the source and written
 * @param bytesZeroed        bytes the source reported as holes, zeroed on the destinations instead
 * @param failedDestinations destinations dropped on error
 */
public record CopyResult(long bytesCopied, long bytesZeroed, List<DestinationFailure> failedDestinations) {

    /** Copies the failure list. */
    public CopyResult {
        failedDestinations = List.copyOf(failedDestinations);
    }
}
