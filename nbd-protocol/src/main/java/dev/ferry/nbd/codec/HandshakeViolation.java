package dev.ferry.nbd.codec;

/**
 * The client broke the handshake framing (bad option magic, an option too large to skip); the
 * decoder discards everything after it and the connection must be closed.
 *
 * @param reason what was wrong, for the log
 */
public record HandshakeViolation(String reason) implements ClientHandshakeMessage {
}
