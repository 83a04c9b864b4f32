package dev.ferry.daemon.pvmove;

/**
 * One move's state for metrics.
 *
 * @param progress  its progress report
 * @param throttled whether its copy yields to foreground I/O on its VG's LVs now (as of the last probe)
 * @param rateLimit the copy rate limit in force, bytes per second, 0 for none; for a move that has ended, the one it
 *                  ended under
 */
public record MoveStatus(MoveProgress progress, boolean throttled, long rateLimit) {
}
