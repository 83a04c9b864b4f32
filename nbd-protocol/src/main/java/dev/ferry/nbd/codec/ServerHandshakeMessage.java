package dev.ferry.nbd.codec;

/** A message the server sends during the handshake, encoded by {@link HandshakeEncoder}. */
public sealed interface ServerHandshakeMessage permits ServerGreeting, OptionReply, ExportNameReply {
}
