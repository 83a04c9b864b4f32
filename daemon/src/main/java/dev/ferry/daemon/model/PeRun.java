package dev.ferry.daemon.model;

/** A run of PEs {@code [start, start + length)} on one PV. */
public record PeRun(long start, long length) {
    /** Validates the run. */
    public PeRun {
        if (start < 0 || length <= 0) {
            throw new IllegalArgumentException("bad PE run " + start + "+" + length);
        }
    }

    /** First PE after the run. */
    public long end() {
        return start + length;
    }
}
