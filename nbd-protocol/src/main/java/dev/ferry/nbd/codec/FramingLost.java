package dev.ferry.nbd.codec;

/**
 * The request stream lost its framing (bad magic); the decoder discards all further input and the
 * connection must be closed.
 *
 * @param reason what was wrong, for the log
 */
public record FramingLost(String reason) implements TransmissionMessage {
}
