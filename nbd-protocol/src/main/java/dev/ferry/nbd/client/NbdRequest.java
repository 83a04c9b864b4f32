package dev.ferry.nbd.client;

import io.netty.buffer.ByteBuf;

/**
 * One transmission request as it goes on the wire (spec "Request message").
 *
 * @param flags   NBD_CMD_FLAG_* bits (u16)
 * @param type    NBD_CMD_* value (u16)
 * @param cookie  opaque handle the reply echoes
 * @param offset  byte offset (u64)
 * @param length  effect length: u32 in compact headers, u64 with extended headers
 * @param payload bytes sent after the header (WRITE), or null; the encoder takes ownership
 */
public record NbdRequest(int flags, int type, long cookie, long offset, long length, ByteBuf payload) {

    /** Validates the field widths every header form shares. */
    public NbdRequest {
        if ((flags & ~0xffff) != 0 || (type & ~0xffff) != 0) {
            throw new IllegalArgumentException("flags and type are u16: flags=" + flags + " type=" + type);
        }
    }

    /** Bytes of payload after the header. */
    public int payloadLength() {
        return payload == null ? 0 : payload.readableBytes();
    }
}
