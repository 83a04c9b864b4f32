package dev.ferry.daemon.pvmove;

import java.util.List;

/**
 * A snapshot of one move for reports and the API.
 *
 * @param segments per pvmove segment: LV-independent piece, extents, source, destination, state and percent
 */
public record MoveProgress(String name, String vg, String source, List<String> destinations, List<String> lvs,
                           boolean atomic, JobState state, double percent, long totalBytes, long copiedBytes,
                           long rateLimit, double mibPerSecond, Long etaSeconds, String errorCode,
                           String errorMessage, List<SegmentProgress> segments) {

    /** One pvmove segment. */
    public record SegmentProgress(int index, long extents, String source, String destination, String state,
                                  double percent) {
    }
}
