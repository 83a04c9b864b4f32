package dev.ferry.nbd.client;

import dev.ferry.nbd.NbdConstants;

/** The handshake failed: the server refused an option the client needs, or closed the connection. */
public final class NbdNegotiationException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int replyType;

    /** Creates the exception for an option error reply ({@code NBD_REP_ERR_*}), or 0 when there was none. */
    public NbdNegotiationException(int replyType, String message) {
        super(replyType == 0 ? message : message + ": " + replyName(replyType));
        this.replyType = replyType;
    }

    /** The {@code NBD_REP_ERR_*} value the server sent, or 0 when the failure was not an option error. */
    public int replyType() {
        return replyType;
    }

    /** The spec name of an option reply type, e.g. {@code "NBD_REP_ERR_UNSUP"}. */
    public static String replyName(int type) {
        return switch (type) {
            case NbdConstants.NBD_REP_ACK -> "NBD_REP_ACK";
            case NbdConstants.NBD_REP_SERVER -> "NBD_REP_SERVER";
            case NbdConstants.NBD_REP_INFO -> "NBD_REP_INFO";
            case NbdConstants.NBD_REP_META_CONTEXT -> "NBD_REP_META_CONTEXT";
            case NbdConstants.NBD_REP_ERR_UNSUP -> "NBD_REP_ERR_UNSUP";
            case NbdConstants.NBD_REP_ERR_POLICY -> "NBD_REP_ERR_POLICY";
            case NbdConstants.NBD_REP_ERR_INVALID -> "NBD_REP_ERR_INVALID";
            case NbdConstants.NBD_REP_ERR_PLATFORM -> "NBD_REP_ERR_PLATFORM";
            case NbdConstants.NBD_REP_ERR_TLS_REQD -> "NBD_REP_ERR_TLS_REQD";
            case NbdConstants.NBD_REP_ERR_UNKNOWN -> "NBD_REP_ERR_UNKNOWN";
            case NbdConstants.NBD_REP_ERR_SHUTDOWN -> "NBD_REP_ERR_SHUTDOWN";
            case NbdConstants.NBD_REP_ERR_BLOCK_SIZE_REQD -> "NBD_REP_ERR_BLOCK_SIZE_REQD";
            case NbdConstants.NBD_REP_ERR_TOO_BIG -> "NBD_REP_ERR_TOO_BIG";
            case NbdConstants.NBD_REP_ERR_EXT_HEADER_REQD -> "NBD_REP_ERR_EXT_HEADER_REQD";
            default -> "reply type 0x" + Integer.toHexString(type);
        };
    }
}
