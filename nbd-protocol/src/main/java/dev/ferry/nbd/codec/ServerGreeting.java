package dev.ferry.nbd.codec;

/**
 * The fixed-newstyle greeting: {@code NBDMAGIC, IHAVEOPT, handshake flags u16}.
 *
 * @param handshakeFlags NBD_FLAG_FIXED_NEWSTYLE | NBD_FLAG_NO_ZEROES as offered
 */
public record ServerGreeting(int handshakeFlags) implements ServerHandshakeMessage {
}
