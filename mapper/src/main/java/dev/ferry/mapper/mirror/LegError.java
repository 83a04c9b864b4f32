package dev.ferry.mapper.mirror;

/** The kinds of leg failure dm-raid1 reports, with their status characters (most severe first). */
public enum LegError {
    /**
     * A flush failed: {@code F}.
     * The leg is dead (with keep_serving, its copies are stale instead).
     */
    FLUSH('F'),
    /**
     * A write failed, leaving the leg out of sync: {@code D}.
     * The leg is dead (with keep_serving, its copies are stale instead).
     */
    WRITE('D'),
    /**
     * Recovery could not copy a region onto the leg: {@code S}.
     * The leg is dead (with keep_serving, its copies are stale instead).
     */
    SYNC('S'),
    /** A read failed; the data is unaffected: {@code R}. The leg still takes writes. */
    READ('R');

    private final char statusChar;

    LegError(char statusChar) {
        this.statusChar = statusChar;
    }

    /** The health character in mirror status. */
    public char statusChar() {
        return statusChar;
    }

    /** Whether the leg can no longer be trusted as a copy (without keep_serving). */
    public boolean dead() {
        return this != READ;
    }
}
