package dev.ferry.mapper.mirror;

/** The optional {@code sync|nosync} argument of a region log. */
public enum SyncMode {
    /** Absent: a new log starts out of sync; an existing disk log keeps its state. */
    DEFAULT,
    /** {@code sync}: every region is resynchronised, whatever the log says. */
    SYNC,
    /** {@code nosync}: every region is taken as in sync (the legs are known identical). */
    NOSYNC;

    /** The table argument, or null for {@link #DEFAULT}. */
    String arg() {
        return switch (this) {
            case DEFAULT -> null;
            case SYNC -> "sync";
            case NOSYNC -> "nosync";
        };
    }
}
