package dev.ferry.daemon.model;

/** Status flags of an LV, persisted in the VG document. */
public enum LvFlag {
    /** Readable. */
    READ,
    /** Writable. */
    WRITE,
    /** Taking part in a running operation (pvmove); resize, rename and remove are refused. */
    LOCKED,
    /** The hidden device of a pvmove. */
    PVMOVE,
    /** The hidden region log LV of a mirrored LV ({@code LV_mlog}). */
    MIRROR_LOG,
    /** A mirror created with {@code --nosync}: its copies were never copied, only written alike (attr {@code M}). */
    NOTSYNCED,
    /**
     * A passive-consistency mirror that is active, or was not stopped cleanly, since its last clean stop: its next
     * activation copies every region again.
     */
    UNCLEAN
}
