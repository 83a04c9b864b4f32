package dev.ferry.daemon.pvmove;

import java.util.List;

/**
 * A snapshot of one move for reports and the API; {@code id} numbers the moves of this daemon run (names such
 * as {@code pvmove0} are reused).
 *
 * @param elapsedSeconds from the request (or resume) to the end of the move, or to now while it runs
 * @param verify   whether each segment is verified before it switches ({@code --verify})
 * @param mismatch where verification found a difference, or null
 * @param transferredBytes bytes this move's copies wrote onto its destinations since its job started (the daemon's
 *                 start for a resumed move): what a continue after a hold or a resume after a restart copied again
 * @param segments per pvmove segment: LV-independent piece, extents, source, destination, state, percent and whether
 *                 it was verified
 */
public record MoveProgress(long id, String name, String vg, String source, List<String> destinations, List<String> lvs,
                           boolean atomic, boolean verify, JobState state, double percent, long totalBytes,
                           long copiedBytes, long rateLimit, double mibPerSecond, Long etaSeconds,
                           double elapsedSeconds, String errorCode, String errorMessage, VerifyMismatch mismatch,
                           long transferredBytes, List<SegmentProgress> segments) {

    /** One pvmove segment. */
    public record SegmentProgress(int index, long extents, String source, String destination, String state,
                                  double percent, boolean verified) {
    }
}
