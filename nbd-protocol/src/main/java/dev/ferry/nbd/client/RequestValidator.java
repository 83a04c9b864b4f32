package dev.ferry.nbd.client;

import static dev.ferry.nbd.NbdConstants.NBD_CMD_FLUSH;

import dev.ferry.nbd.NbdConstants;
import dev.ferry.nbd.NbdNames;
import dev.ferry.nbd.codec.NegotiatedSession;
import dev.ferry.nbd.codec.ReplyFormat;
import dev.ferry.nbd.codec.RequestHeader;
import dev.ferry.nbd.export.BlockSizeConstraints;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Checks a request against what was negotiated before it is sent, with the server's own rules
 * ({@link dev.ferry.nbd.codec.RequestValidator}) plus the client's stricter ones (no zero-length requests, FLUSH
 * with offset and length 0), so that a correct server never has to answer EINVAL to this client.
 */
final class RequestValidator {

    private final NegotiatedSession session;

    RequestValidator(NbdExportInfo export, ReplyFormat format, Map<String, Integer> metaContexts) {
        Integer base = metaContexts.get(NbdConstants.BASE_ALLOCATION);
        BlockSizeConstraints bs = export.blockSize() == null ? BlockSizeConstraints.DEFAULT : export.blockSize();
        this.session = new NegotiatedSession(export.size(), export.transmissionFlags(), format != ReplyFormat.SIMPLE,
                format == ReplyFormat.EXTENDED, base == null ? OptionalInt.empty() : OptionalInt.of(base), bs);
    }

    /**
     * Throws {@link UnsupportedOperationException} for a request the server did not negotiate (command, flag,
     * writes on a read-only export) and {@link IllegalArgumentException} for one that is malformed or outside the
     * export or its constraints.
     */
    void check(int type, int flags, long offset, long length) {
        RequestHeader h = new RequestHeader(flags, type, 0, offset, length, session.extendedHeaders());
        dev.ferry.nbd.codec.RequestValidator.Violation v = dev.ferry.nbd.codec.RequestValidator.check(h, session);
        if (v != null) {
            throw v.notNegotiated() ? new UnsupportedOperationException(v.reason())
                    : new IllegalArgumentException(v.reason());
        }
        if (type == NBD_CMD_FLUSH && (offset != 0 || length != 0)) {
            throw new IllegalArgumentException("NBD_CMD_FLUSH must have offset and length 0");
        }
        if (type != NBD_CMD_FLUSH && length <= 0) {
            throw new IllegalArgumentException(NbdNames.command(type) + " needs a positive length, got " + length);
        }
    }
}
