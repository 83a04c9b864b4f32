package dev.ferry.nbd.codec;

/**
 * The fields of a transmission request header, compact (28 bytes) or extended (32 bytes).
 *
 * @param flags    NBD_CMD_FLAG_* bits (u16)
 * @param type     NBD_CMD_* value (u16)
 * @param cookie   opaque handle echoed in every reply
 * @param offset   byte offset (u64 on the wire; negative here means above 2^63)
 * @param length   effect length, or payload length for WRITE (u32 compact, u64 extended)
 * @param extended whether the header used the extended (32-byte) form
 */
public record RequestHeader(int flags, int type, long cookie, long offset, long length, boolean extended) {

    /** Whether {@code flag} is set. */
    public boolean hasFlag(int flag) {
        return (flags & flag) != 0;
    }
}
