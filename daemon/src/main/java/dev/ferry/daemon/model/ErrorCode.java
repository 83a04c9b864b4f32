package dev.ferry.daemon.model;

/** Stable error names of volume operations, returned to API and CLI clients. */
public enum ErrorCode {
    /** The device already carries a PV label (pvcreate without force). */
    PV_EXISTS,
    /** The device holds a signature or data that pvcreate would overwrite (without force); the message names it. */
    DEVICE_HAS_DATA,
    /** Another process holds the device open (pvcreate without force). */
    DEVICE_IN_USE,
    /** No PV is known at that path, or it is not in the named VG. */
    PV_NOT_FOUND,
    /** The PV belongs to a volume group. */
    PV_IN_USE,
    /** The PV still holds allocated extents. */
    PV_HAS_EXTENTS,
    /** The device is too small to hold the label, metadata area and one extent. */
    PV_TOO_SMALL,
    /** A VG by that name exists. */
    VG_EXISTS,
    /** No VG by that name. */
    VG_NOT_FOUND,
    /** The VG still contains logical volumes. */
    VG_HAS_LVS,
    /** The operation would remove the last PV of a VG. */
    LAST_PV,
    /** An LV by that name exists in the VG. */
    LV_EXISTS,
    /** No LV by that name in the VG. */
    LV_NOT_FOUND,
    /** The LV is locked by a running operation (e.g. pvmove). */
    LV_LOCKED,
    /** The LV is open by a client. */
    LV_OPEN,
    /** Not enough free extents satisfying the allocation policy. */
    INSUFFICIENT_SPACE,
    /** A name violates the naming rules or is reserved. */
    INVALID_NAME,
    /** Extent size not a power of two within the supported bounds. */
    INVALID_EXTENT_SIZE,
    /** A parameter is malformed or contradicts another (AIX: LVM_INVALID_PARAM, -107). */
    INVALID_ARGUMENT,
    /** The VG document does not fit into a metadata slot. */
    METADATA_TOO_LARGE,
    /** Metadata on disk failed validation. */
    METADATA_INVALID,
    /** An I/O error on a PV; the metadata was re-read from disk. */
    IO_ERROR,
    /**
     * A PV that a commit must reach first ({@link RequiredPvs}: a pvmove destination it switches to) could not take
     * it: missing, lost, or its metadata write or sync failed. No other PV was written; a failing PV is lost and the
     * commit's sequence number is never used again. The message names the PV and why.
     */
    PV_MISSED_COMMIT,
    /** The LV's mapped device or export could not be set up (missing PV, unreadable file, bad table). */
    ACTIVATION_FAILED,
    /** pvmove: no allocated extents of the selection lie on the source ranges. */
    NOTHING_TO_MOVE,
    /** pvmove: the source PV is also named as a destination. */
    SAME_PV,
    /** pvmove: source and destination ranges overlap. */
    OVERLAPPING_RANGES,
    /** pvmove: a move off this source runs already, or every selected LV is locked by another move. */
    ALREADY_MOVING,
    /** pvmove: no move matches (abort or rate change). */
    NO_SUCH_MOVE,
    /**
     * pvmove: the move failed (destination error or degraded copy); the data stays on the source. migratepp: the
     * new copy could not be made and the LV is as before (AIX: LVM_MIGRATE_FAIL, -143).
     */
    MIGRATE_FAIL,
    /** migratepp: the copy moved but could not be resynced; it is stale (AIX: LVM_RESYNC_FAILED, +56, a warning). */
    RESYNC_FAILED,
    /** The change would leave a logical extent without a good copy (AIX: LVM_INVLPRED, -136). */
    INVLPRED,
    /**
     * migratepp of a 3-copy extent: the new copy failed after the old one was dropped and the old one could not be
     * re-added; the extent has one copy fewer (AIX: LVM_LOSTPP, -155).
     */
    LOSTPP,
    /** The extent has copies being resynced, or another mirror verb runs on the LV (AIX: LVM_INRESYNC, -135). */
    INRESYNC,
    /** The VG is not available or the LV is not active, so its copies cannot be synced (AIX: LVM_OFFLINE, -100). */
    OFFLINE,
    /** Some copies could not be resynced; the message names the extents (AIX: LVM_NOTSYNCED, -132). */
    NOTSYNCED,
    /** No resync job by that id (never started, or forgotten since it ended). */
    RESYNC_NOT_FOUND,
    /**
     * Not more than half of the VG's metadata copies can be written any more (quorum lost): the VG was taken offline
     * (AIX: LVM_FORCEOFF, -145).
     */
    FORCEOFF,
    /** The LV already has a dirty bitmap of that name. */
    BITMAP_EXISTS,
    /** The LV has no dirty bitmap of that name. */
    BITMAP_NOT_FOUND,
    /** The dirty bitmap may have lost bits in an unclean shutdown: it can only be removed. */
    BITMAP_INCONSISTENT
}
