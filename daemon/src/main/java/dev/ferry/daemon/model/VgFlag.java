package dev.ferry.daemon.model;

/** Status flags of a VG, persisted in the VG document. */
public enum VgFlag {
    /** Readable. */
    READ,
    /** Writable. */
    WRITE,
    /** PVs may be added and removed. */
    RESIZEABLE
}
