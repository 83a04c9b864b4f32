package dev.ferry.nbd.codec;

import dev.ferry.nbd.NbdConstants;
import dev.ferry.nbd.export.BlockSizeConstraints;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;

/**
 * What the handshake settled for one connection, against which every request is validated.
 *
 * @param exportSize        export size in bytes at GO/EXPORT_NAME
 * @param transmissionFlags NBD_FLAG_* flags advertised
 * @param structuredReplies structured replies negotiated (also true with extended headers)
 * @param extendedHeaders   extended headers negotiated
 * @param baseAllocationId  context id of the selected {@code base:allocation}, empty if none is selected
 * @param blockSize         advertised block size constraints
 * @param exportContexts    the selected meta contexts the export itself answers (not {@code base:allocation}),
 *                          by context id, in id order
 */
public record NegotiatedSession(long exportSize, int transmissionFlags, boolean structuredReplies,
                                boolean extendedHeaders, OptionalInt baseAllocationId, BlockSizeConstraints blockSize,
                                Map<Integer, String> exportContexts) {

    /** Copies the context map, keeping its order. */
    public NegotiatedSession {
        exportContexts = Collections.unmodifiableMap(new LinkedHashMap<>(exportContexts));
    }

    /** A session with no export-specific meta contexts selected. */
    public NegotiatedSession(long exportSize, int transmissionFlags, boolean structuredReplies, boolean extendedHeaders,
                             OptionalInt baseAllocationId, BlockSizeConstraints blockSize) {
        this(exportSize, transmissionFlags, structuredReplies, extendedHeaders, baseAllocationId, blockSize, Map.of());
    }

    /** Whether any meta context was selected (BLOCK_STATUS needs one). */
    public boolean anyMetaContext() {
        return baseAllocationId.isPresent() || !exportContexts.isEmpty();
    }

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
