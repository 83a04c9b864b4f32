package dev.ferry.nbd.codec;

/**
 * The header of a structured (20-byte) or extended (32-byte) reply chunk; which one depends on the
 * {@link ReplyFormat} it is encoded with.
 *
 * @param flags         NBD_REPLY_FLAG_* (DONE on the last chunk)
 * @param type          NBD_REPLY_TYPE_*
 * @param cookie        the request's cookie
 * @param requestOffset the request's offset, echoed by extended chunks only
 * @param payloadLength length of the chunk payload that follows
 */
public record ReplyChunkHeader(int flags, int type, long cookie, long requestOffset, long payloadLength) {
}
