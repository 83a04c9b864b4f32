package dev.ferry.nbd.codec;

import dev.ferry.nbd.NbdConstants;
import dev.ferry.nbd.export.BlockSizeConstraints;

/**
 * What the handshake settled for one connection, against which every request is validated.
 *
 * @param exportSize        export size in bytes at GO/EXPORT_NAME
 * @param transmissionFlags NBD_FLAG_* flags advertised
 * @param structuredReplies structured replies negotiated (also true with extended headers)
 * @param extendedHeaders   extended headers negotiated
 * @param baseAllocationId  context id of the selected {@code base:allocation}, or 0 if none selected
 * @param blockSize         advertised block size constraints
 */
public record NegotiatedSession(long exportSize, int transmissionFlags, boolean structuredReplies,
                                boolean extendedHeaders, int baseAllocationId, BlockSizeConstraints blockSize) {

    /** Whether transmission flag {@code flag} was advertised. */
    public boolean advertised(int flag) {
        return (transmissionFlags & flag) != 0;
    }

    /** Whether the export was advertised read-only. */
    public boolean readOnly() {
        return advertised(NbdConstants.NBD_FLAG_READ_ONLY);
    }

    /** The reply format this session uses. */
    public ReplyFormat replyFormat() {
        return extendedHeaders ? ReplyFormat.EXTENDED : structuredReplies ? ReplyFormat.STRUCTURED : ReplyFormat.SIMPLE;
    }
}
