package dev.ferry.nbd.access;

/** What a peer may do with an export. */
public enum Grant {
    /** Not listed by {@code NBD_OPT_LIST}; opening it is refused with {@code NBD_REP_ERR_POLICY}. */
    DENY,
    /** Served with {@code NBD_FLAG_READ_ONLY}: writes, trims and zeroing are refused with EPERM. */
    READ_ONLY,
    /** Served with whatever the export itself allows. */
    READ_WRITE
}
