package dev.ferry.nbd.codec;

/**
 * The reply to NBD_OPT_EXPORT_NAME: export size u64, transmission flags u16, then 124 zero bytes
 * unless the client set NBD_FLAG_C_NO_ZEROES.
 *
 * @param exportSize        size in bytes
 * @param transmissionFlags NBD_FLAG_* transmission flags
 * @param noZeroes          omit the 124-byte zero pad
 */
public record ExportNameReply(long exportSize, int transmissionFlags, boolean noZeroes)
        implements ServerHandshakeMessage {
}
