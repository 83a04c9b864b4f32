package dev.ferry.mapper.copy;

/** Observes a copy job; called on I/O completion threads, so implementations must be quick and not block. */
public interface CopyListener {

    /** A listener that ignores everything. */
    CopyListener NONE = new CopyListener() { };

    /** {@code done} of {@code total} bytes are copied or zeroed (calls from different threads may interleave). */
    default void progress(CopyJob job, long done, long total) {
    }

    /** A destination failed and was dropped; the copy goes on to the others. */
    default void destinationFailed(CopyJob job, DestinationFailure failure) {
    }
}
