package dev.ferry.nbd.codec;

/**
 * A request that failed validation; it must be answered with {@code error}. Any WRITE payload is
 * skipped by the decoder. With {@code closeAfterReply} the payload was too large to skip and the
 * connection must be closed once the reply is sent.
 *
 * @param header          the request header as received
 * @param error           NBD error value (e.g. NBD_EINVAL)
 * @param reason          why, for the log
 * @param closeAfterReply the stream cannot be kept in sync
 */
public record RejectedRequest(RequestHeader header, int error, String reason, boolean closeAfterReply)
        implements TransmissionMessage {
}
