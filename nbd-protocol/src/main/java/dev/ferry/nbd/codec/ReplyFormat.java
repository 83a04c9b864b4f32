package dev.ferry.nbd.codec;

/** Which reply headers a connection negotiated. */
public enum ReplyFormat {
    /** Only 16-byte simple replies (no NBD_OPT_STRUCTURED_REPLY). */
    SIMPLE,
    /** Structured 20-byte chunks for READ and BLOCK_STATUS; simple replies otherwise. */
    STRUCTURED,
    /** 32-byte extended chunks for every reply (NBD_OPT_EXTENDED_HEADERS). */
    EXTENDED
}
