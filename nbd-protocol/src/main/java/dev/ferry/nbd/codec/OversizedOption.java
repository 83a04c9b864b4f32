package dev.ferry.nbd.codec;

/**
 * An option whose claimed length exceeded the decoder's limit; its data is skipped, never buffered.
 *
 * @param option NBD_OPT_* value
 * @param length the length the client claimed (unsigned 32-bit)
 */
public record OversizedOption(int option, long length) implements ClientHandshakeMessage {
}
