package dev.ferry.nbd.codec;

/**
 * The 32-bit client flags a client sends right after the newstyle greeting (spec "Client flags").
 *
 * @param flags NBD_FLAG_C_* bits as received
 */
public record ClientFlags(int flags) implements ClientHandshakeMessage {
}
