package dev.ferry.daemon.policy;

/** A path an API caller named that {@link AllowedPaths} refuses: relative, or outside the allowed directories. */
public final class PathRefusedException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** Why a path was refused. */
    public enum Reason {
        /** Not absolute (400 {@code INVALID_ARGUMENT}). */
        RELATIVE,
        /** Resolved outside every allowed directory (403 {@code PATH_NOT_ALLOWED}). */
        NOT_ALLOWED
    }

    private final Reason reason;

    PathRefusedException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    /** Why. */
    public Reason reason() {
        return reason;
    }
}
