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
     * A mirror without a region log that is active, or was not stopped cleanly, since its last clean stop: with
     * passive consistency its next activation copies every region again; with none its copies may differ.
     */
    UNCLEAN,
    /**
     * A mirror without crash consistency ({@code --mwc off}) that was not stopped cleanly: its copies may differ
     * where writes were in flight, until a forced resync of the whole LV ({@code resynclv -f}).
     */
    COPIES_MAY_DIFFER
}
