package dev.ferry.nbd.client;

/** A handshake message the server sends: the greeting, an option reply, or the NBD_OPT_EXPORT_NAME reply. */
public sealed interface HandshakeReply {

    /** The newstyle greeting: NBDMAGIC, IHAVEOPT, then the server's 16-bit handshake flags. */
    record Greeting(int handshakeFlags) implements HandshakeReply {
    }

    /** The reply to NBD_OPT_EXPORT_NAME: export size and transmission flags (then 124 zeroes unless NO_ZEROES). */
    record ExportNameReply(long size, int transmissionFlags) implements HandshakeReply {
    }

    /** An option reply; {@link #option()} echoes the option it answers. */
    sealed interface OptionReply extends HandshakeReply {
        /** The NBD_OPT_* value this reply answers. */
        int option();
    }

    /** NBD_REP_ACK: the final reply to an option. */
    record Ack(int option) implements OptionReply {
    }

    /** NBD_REP_SERVER: one export of a LIST answer. */
    record Server(int option, String name, String description) implements OptionReply {
    }

    /** NBD_REP_INFO with NBD_INFO_EXPORT: size and transmission flags. */
    record ExportInfo(int option, long size, int transmissionFlags) implements OptionReply {
    }

    /** NBD_REP_INFO with NBD_INFO_NAME: the export's canonical name. */
    record NameInfo(int option, String name) implements OptionReply {
    }

    /** NBD_REP_INFO with NBD_INFO_DESCRIPTION: a human-readable description. */
    record DescriptionInfo(int option, String description) implements OptionReply {
    }

    /**
     * NBD_REP_INFO with NBD_INFO_BLOCK_SIZE, values as sent (unsigned u32 in a long).
     */
    record BlockSizeInfo(int option, long minimum, long preferred, long maxPayload) implements OptionReply {
    }

    /** NBD_REP_INFO with an info type this client does not know (the spec says to ignore it). */
    record UnknownInfo(int option, int infoType) implements OptionReply {
    }

    /** NBD_REP_META_CONTEXT: a selected context and the id the server gave it. */
    record MetaContext(int option, int contextId, String name) implements OptionReply {
    }

    /** An error reply (bit 31 set): the NBD_REP_ERR_* type and the server's optional message. */
    record Error(int option, int type, String message) implements OptionReply {
    }
}
