package dev.ferry.nbd.codec;

/** A message the {@link RequestDecoder} produces during the transmission phase. */
public sealed interface TransmissionMessage permits NbdRequest, RejectedRequest, FramingLost {
}
