package dev.ferry.daemon.mirror;

import dev.ferry.daemon.model.ErrorCode;

/**
 * A snapshot of one resync job for the API; {@code id} numbers the resyncs of this daemon run.
 *
 * @param totalBytes     bytes of the copies to rewrite (an estimate for LVs not reached yet)
 * @param copiedBytes    bytes of them in sync again
 * @param etaSeconds     seconds left at the current rate, or null if unknown
 * @param elapsedSeconds from the request to the end, or to now while it runs
 * @param result         what was rewritten so far (all of it once SUCCEEDED)
 * @param error          why the job ended NOTSYNCED or FAILED, else null
 */
public record ResyncProgress(long id, ResyncRequest request, ResyncState state, long totalBytes, long copiedBytes,
                             double mibPerSecond, Long etaSeconds, double elapsedSeconds, ResyncResult result,
                             Error error) {

    /** The error that ended a job: its stable code and the message naming the copies left stale. */
    public record Error(ErrorCode code, String message) {
    }

    /** Share of {@code totalBytes} in sync, 100 when there is nothing to copy. */
    public double percent() {
        return totalBytes == 0 ? 100 : 100.0 * copiedBytes / totalBytes;
    }

    /** {@code SUCCESS}, the error's code once ended otherwise, or null while running. */
    public String outcome() {
        return state == ResyncState.SUCCEEDED ? "SUCCESS" : error == null ? null : error.code().name();
    }
}
