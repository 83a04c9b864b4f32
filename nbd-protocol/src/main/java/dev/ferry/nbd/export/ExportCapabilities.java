package dev.ferry.nbd.export;

/**
 * The optional features an export supports, from which the server derives the transmission flags
 * it advertises (SEND_DF and the metadata contexts depend on what the client negotiates, too).
 *
 * @param readOnly   writes, trims and zeroes are refused with EPERM
 * @param flush      NBD_CMD_FLUSH is supported
 * @param fua        the FUA flag is honoured
 * @param trim       NBD_CMD_TRIM is supported
 * @param writeZeroes NBD_CMD_WRITE_ZEROES is supported
 * @param fastZero   NBD_CMD_FLAG_FAST_ZERO is supported
 * @param cache      NBD_CMD_CACHE is supported
 * @param multiConn  a flush on any connection covers writes completed on all of them
 * @param rotational the medium is rotational (a scheduling hint)
 */
public record ExportCapabilities(boolean readOnly, boolean flush, boolean fua, boolean trim,
                                 boolean writeZeroes, boolean fastZero, boolean cache,
                                 boolean multiConn, boolean rotational) {

    /** Everything a file-backed writable export supports. */
    public static final ExportCapabilities FULL =
            new ExportCapabilities(false, true, true, true, true, true, true, true, false);

    /** The same capabilities with writes refused. */
    public ExportCapabilities asReadOnly() {
        return new ExportCapabilities(true, flush, fua, false, false, false, cache, multiConn, rotational);
    }
}
