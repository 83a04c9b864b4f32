package dev.ferry.nbd.codec;

import static dev.ferry.nbd.NbdConstants.*;

/**
 * Checks a request header against the negotiated session before any payload is read, choosing the
 * error the spec prescribes (reference nbd.md §1.7): unknown commands and flags, and flags that were
 * not negotiated, get EINVAL; writes on a read-only export EPERM; writes past the end ENOSPC; other
 * ranges past the end or unaligned to the minimum block size EINVAL.
 */
public final class RequestValidator {

    private RequestValidator() {
    }

    /** Returns null if {@code h} is acceptable, else the rejection to answer (never closing). */
    public static RejectedRequest validate(RequestHeader h, NegotiatedSession s) {
        int type = h.type();
        if (type == NBD_CMD_DISC) {
            return null;
        }
        if (isWriteLike(type) && s.readOnly()) {
            return reject(h, NBD_EPERM, "write-like command on a read-only export");
        }
        String unavailable = unavailableReason(type, s);
        if (unavailable != null) {
            return reject(h, NBD_EINVAL, unavailable);
        }
        int badFlags = h.flags() & ~allowedFlags(type, h.extended(), s);
        if (badFlags != 0) {
            return reject(h, NBD_EINVAL, String.format("flags 0x%x not valid here", badFlags));
        }
        if (type == NBD_CMD_FLUSH) {
            return null;
        }
        return checkRange(h, s);
    }

    private static RejectedRequest checkRange(RequestHeader h, NegotiatedSession s) {
        long offset = h.offset();
        long length = h.length();
        boolean grows = h.type() == NBD_CMD_WRITE || h.type() == NBD_CMD_WRITE_ZEROES;
        if (offset < 0 || length < 0 || offset > s.exportSize() - length) {
            return reject(h, grows ? NBD_ENOSPC : NBD_EINVAL, "range " + Long.toUnsignedString(offset) + "+"
                    + Long.toUnsignedString(length) + " beyond export size " + s.exportSize());
        }
        int min = s.blockSize().minimum();
        if (min > 1 && ((offset | length) & (min - 1)) != 0) {
            return reject(h, NBD_EINVAL, "range not aligned to minimum block size " + min);
        }
        boolean payloadSized = h.type() == NBD_CMD_READ || h.type() == NBD_CMD_WRITE;
        if (payloadSized && length > s.blockSize().maxPayload()) {
            return reject(h, NBD_EINVAL, "length " + length + " exceeds maximum payload " + s.blockSize().maxPayload());
        }
        if (h.type() == NBD_CMD_BLOCK_STATUS && length == 0) {
            return reject(h, NBD_EINVAL, "zero-length block status");
        }
        return null;
    }

    /** Why the command cannot be used in this session, or null if it can. */
    private static String unavailableReason(int type, NegotiatedSession s) {
        return switch (type) {
            case NBD_CMD_READ, NBD_CMD_WRITE -> null;
            case NBD_CMD_FLUSH -> s.advertised(NBD_FLAG_SEND_FLUSH) ? null : "FLUSH not advertised";
            case NBD_CMD_TRIM -> s.advertised(NBD_FLAG_SEND_TRIM) ? null : "TRIM not advertised";
            case NBD_CMD_CACHE -> s.advertised(NBD_FLAG_SEND_CACHE) ? null : "CACHE not advertised";
            case NBD_CMD_WRITE_ZEROES -> s.advertised(NBD_FLAG_SEND_WRITE_ZEROES) ? null : "WRITE_ZEROES not advertised";
            case NBD_CMD_BLOCK_STATUS -> !s.structuredReplies() ? "BLOCK_STATUS without structured replies"
                    : s.baseAllocationId() == 0 ? "BLOCK_STATUS without a selected meta context" : null;
            default -> "unknown command " + type;
        };
    }

    private static int allowedFlags(int type, boolean extended, NegotiatedSession s) {
        int allowed = s.advertised(NBD_FLAG_SEND_FUA) ? NBD_CMD_FLAG_FUA : 0;
        switch (type) {
            case NBD_CMD_READ -> allowed |= s.advertised(NBD_FLAG_SEND_DF) ? NBD_CMD_FLAG_DF : 0;
            case NBD_CMD_WRITE -> allowed |= extended ? NBD_CMD_FLAG_PAYLOAD_LEN : 0;
            case NBD_CMD_WRITE_ZEROES -> allowed |= NBD_CMD_FLAG_NO_HOLE
                    | (s.advertised(NBD_FLAG_SEND_FAST_ZERO) ? NBD_CMD_FLAG_FAST_ZERO : 0);
            case NBD_CMD_BLOCK_STATUS -> allowed |= NBD_CMD_FLAG_REQ_ONE;
            default -> {
            }
        }
        return allowed;
    }

    private static boolean isWriteLike(int type) {
        return type == NBD_CMD_WRITE || type == NBD_CMD_TRIM || type == NBD_CMD_WRITE_ZEROES;
    }

    private static RejectedRequest reject(RequestHeader h, int error, String reason) {
        return new RejectedRequest(h, error, reason, false);
    }
}
