package dev.ferry.daemon.model;

import java.util.Locale;

/** The state of one pvmove segment: which side its data lives on and whether it is being mirrored. */
public enum MoveState {
    /** Not started: maps linearly onto the source. */
    DISABLED,
    /** Mirrored from the source onto the destination with a disk region log. */
    RUNNING,
    /** Copied: maps linearly onto the destination. */
    COMPLETED,
    /**
     * Held after its destination failed: a mirror whose destination leg is offline, so the source serves every
     * request; its disk region log keeps the regions copied before, and each region written since goes out of sync,
     * so a continue (back to RUNNING) copies only those and the regions never copied.
     */
    HELD;

    /** The document name. */
    public String docName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
