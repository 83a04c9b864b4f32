package dev.ferry.daemon.mirror;

import dev.ferry.daemon.model.ErrorCode;

/**
 * A snapshot of one mirror job (a resync or a migratepp) for the API; {@code id} numbers the jobs of this daemon run.
 *
 * @param totalBytes     bytes of the copies to rewrite (as the metadata stood when the job started or resumed)
 * @param copiedBytes    bytes of them in sync again
 * @param etaSeconds     seconds left at the current rate, or null if unknown
 * @param elapsedSeconds from the request (or the resume) to the end, or to now while it runs
 * @param result         what was rewritten so far (all of it once SUCCEEDED)
 * @param error          why the job ended NOTSYNCED or FAILED, else null
 * @param warning        the outcome of a job that SUCCEEDED with a warning (a migratepp's RESYNC_FAILED), else null
 * @param resumed        whether the job was resumed from the metadata at a daemon start
 */
public record ResyncProgress(long id, ResyncRequest request, ResyncState state, long totalBytes, long copiedBytes,
                             double mibPerSecond, Long etaSeconds, double elapsedSeconds, ResyncResult result,
                             Error error, ErrorCode warning, boolean resumed) {

    /** The error that ended a job: its stable code and the message naming the copies left stale. */
    public record Error(ErrorCode code, String message) {
    }

    /** Share of {@code totalBytes} in sync, 100 when there is nothing to copy. */
    public double percent() {
        return totalBytes == 0 ? 100 : 100.0 * copiedBytes / totalBytes;
    }

    /** {@code SUCCESS} or the warning once SUCCEEDED, the error's code once ended otherwise, or null while running. */
    public String outcome() {
        if (state == ResyncState.SUCCEEDED) {
            return warning == null ? "SUCCESS" : warning.name();
        }
        return error == null ? null : error.code().name();
    }
}
