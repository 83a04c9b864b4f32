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
    PVMOVE
}
