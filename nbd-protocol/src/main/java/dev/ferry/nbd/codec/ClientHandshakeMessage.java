package dev.ferry.nbd.codec;

/** A message the {@link OptionRequestDecoder} produces from what a client sends during the handshake. */
public sealed interface ClientHandshakeMessage
        permits ClientFlags, OptionRequest, OversizedOption, HandshakeViolation {
}
