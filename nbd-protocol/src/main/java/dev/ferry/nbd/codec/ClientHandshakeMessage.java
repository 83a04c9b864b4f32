package dev.ferry.nbd.codec;

/**
 * What a client sends during the handshake ({@link ClientFlags}, {@link OptionRequest}), plus the framing problems
 * the server's {@link OptionRequestDecoder} reports in their place.
 */
public sealed interface ClientHandshakeMessage
        permits ClientFlags, OptionRequest, OversizedOption, HandshakeViolation {
}
