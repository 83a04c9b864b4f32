package dev.ferry.nbd.client;

/** Which reply headers were negotiated for a connection. */
public enum ReplyFormat {
    /** Only 16-byte simple replies. */
    SIMPLE,
    /** Structured replies: 20-byte chunks, plus simple replies for commands other than READ. */
    STRUCTURED,
    /** Extended headers: every reply is a 32-byte extended chunk. */
    EXTENDED
}
