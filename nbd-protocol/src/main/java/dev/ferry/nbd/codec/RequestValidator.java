package dev.ferry.nbd.codec;

import static dev.ferry.nbd.NbdConstants.*;

import dev.ferry.nbd.NbdNames;

/**
 * The one set of rules a transmission request must follow in a negotiated session, used by the server to answer
 * a request and by the client to refuse one before it is sent. It picks the error the spec prescribes (reference
 * nbd.md §1.7): unknown commands and flags, and flags or commands that were not negotiated, get EINVAL; writes
 * on a read-only export EPERM; writes past the end ENOSPC; other ranges past the end or unaligned to the
 * minimum block size EINVAL.
 */
public final class RequestValidator {

    /** Largest effect length a compact (28-byte) header can carry. */
    private static final long COMPACT_MAX_LENGTH = 0xFFFF_FFFFL;

    private RequestValidator() {
    }

    /**
     * A rule a request breaks.
     *
     * @param error         the NBD error value a server answers
     * @param notNegotiated whether the request needs a command, flag or mode the session did not negotiate
     *                      (rather than being malformed or out of range)
     * @param reason        a precise description
     */
    public record Violation(int error, boolean notNegotiated, String reason) {
    }

    /** Returns null if {@code h} is acceptable, else the rejection to answer (never closing). */
    public static RejectedRequest validate(RequestHeader h, NegotiatedSession s) {
        Violation v = check(h, s);
        return v == null ? null : new RejectedRequest(h, v.error(), v.reason(), false);
    }

    /** Returns null if {@code h} is acceptable in session {@code s}, else the first rule it breaks. */
    public static Violation check(RequestHeader h, NegotiatedSession s) {
        int type = h.type();
        if (type == NBD_CMD_DISC) {
            return null;
        }
        if (isWriteLike(type) && s.readOnly()) {
            return new Violation(NBD_EPERM, true, NbdNames.command(type) + " on a read-only export");
        }
        Violation unavailable = unavailable(type, s);
        if (unavailable != null) {
            return unavailable;
        }
        int invalidFlags = h.flags() & ~validFlags(type, h.extended());
        if (invalidFlags != 0) {
            return invalid(String.format("flags 0x%x not valid for %s", invalidFlags, NbdNames.command(type)));
        }
        int unnegotiatedFlags = h.flags() & ~negotiatedFlags(s);
        if (unnegotiatedFlags != 0) {
            return new Violation(NBD_EINVAL, true, String.format("flags 0x%x of %s were not negotiated (transmission"
                    + " flags 0x%x)", unnegotiatedFlags, NbdNames.command(type), s.transmissionFlags()));
        }
        if (type == NBD_CMD_FLUSH) {
            return null;
        }
        return checkRange(h, s);
    }

    private static Violation checkRange(RequestHeader h, NegotiatedSession s) {
        long offset = h.offset();
        long length = h.length();
        if (!h.extended() && Long.compareUnsigned(length, COMPACT_MAX_LENGTH) > 0) {
            return invalid(described(h) + " does not fit a compact request header");
        }
        boolean grows = h.type() == NBD_CMD_WRITE || h.type() == NBD_CMD_WRITE_ZEROES;
        if (offset < 0 || length < 0 || offset > s.exportSize() - length) {
            return new Violation(grows ? NBD_ENOSPC : NBD_EINVAL, false,
                    described(h) + " extends past the end of the export (" + s.exportSize() + " bytes)");
        }
        int min = s.blockSize().minimum();
        if (min > 1 && ((offset | length) & (min - 1)) != 0) {
            return invalid(described(h) + " is not aligned to the minimum block size " + min);
        }
        boolean payloadSized = h.type() == NBD_CMD_READ || h.type() == NBD_CMD_WRITE;
        if (payloadSized && length > s.blockSize().maxPayload()) {
            return invalid(described(h) + " exceeds the maximum payload " + s.blockSize().maxPayload());
        }
        if (h.type() == NBD_CMD_BLOCK_STATUS && length == 0) {
            return invalid(described(h) + ": zero-length block status");
        }
        return null;
    }

    /**
     * The request as a violation names it, {@code NBD_CMD_READ [offset, +length)}: built only for a violation (every
     * request is checked, so formatting it up front cost measurable CPU per 4 KiB read).
     */
    private static String described(RequestHeader h) {
        return NbdNames.command(h.type()) + " [" + Long.toUnsignedString(h.offset()) + ", +"
                + Long.toUnsignedString(h.length()) + ")";
    }

    /** Why the command cannot be used in this session, or null if it can. */
    private static Violation unavailable(int type, NegotiatedSession s) {
        String reason = switch (type) {
            case NBD_CMD_READ, NBD_CMD_WRITE -> null;
            case NBD_CMD_FLUSH -> s.advertised(NBD_FLAG_SEND_FLUSH) ? null : "FLUSH not advertised";
            case NBD_CMD_TRIM -> s.advertised(NBD_FLAG_SEND_TRIM) ? null : "TRIM not advertised";
            case NBD_CMD_CACHE -> s.advertised(NBD_FLAG_SEND_CACHE) ? null : "CACHE not advertised";
            case NBD_CMD_WRITE_ZEROES -> s.advertised(NBD_FLAG_SEND_WRITE_ZEROES) ? null
                    : "WRITE_ZEROES not advertised";
            case NBD_CMD_BLOCK_STATUS -> !s.structuredReplies() ? "BLOCK_STATUS without structured replies"
                    : !s.anyMetaContext() ? "BLOCK_STATUS without a meta context selected" : null;
            default -> "";
        };
        if (reason == null) {
            return null;
        }
        return reason.isEmpty() ? invalid("unknown " + NbdNames.command(type))
                : new Violation(NBD_EINVAL, true, reason);
    }

    /** The flags the spec defines for a command. */
    private static int validFlags(int type, boolean extended) {
        int valid = NBD_CMD_FLAG_FUA;
        switch (type) {
            case NBD_CMD_READ -> valid |= NBD_CMD_FLAG_DF;
            case NBD_CMD_WRITE -> valid |= extended ? NBD_CMD_FLAG_PAYLOAD_LEN : 0;
            case NBD_CMD_WRITE_ZEROES -> valid |= NBD_CMD_FLAG_NO_HOLE | NBD_CMD_FLAG_FAST_ZERO;
            case NBD_CMD_BLOCK_STATUS -> valid |= NBD_CMD_FLAG_REQ_ONE;
            default -> {
            }
        }
        return valid;
    }

    /** The flags the session allows on any command (the negotiation-dependent ones only when negotiated). */
    private static int negotiatedFlags(NegotiatedSession s) {
        int negotiated = NBD_CMD_FLAG_NO_HOLE | NBD_CMD_FLAG_REQ_ONE | NBD_CMD_FLAG_PAYLOAD_LEN;
        negotiated |= s.advertised(NBD_FLAG_SEND_FUA) ? NBD_CMD_FLAG_FUA : 0;
        negotiated |= s.advertised(NBD_FLAG_SEND_DF) && s.structuredReplies() ? NBD_CMD_FLAG_DF : 0;
        negotiated |= s.advertised(NBD_FLAG_SEND_FAST_ZERO) ? NBD_CMD_FLAG_FAST_ZERO : 0;
        return negotiated;
    }

    private static boolean isWriteLike(int type) {
        return type == NBD_CMD_WRITE || type == NBD_CMD_TRIM || type == NBD_CMD_WRITE_ZEROES;
    }

    private static Violation invalid(String reason) {
        return new Violation(NBD_EINVAL, false, reason);
    }
}
