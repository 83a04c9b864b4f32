package dev.ferry.nbd.client;

import io.netty.handler.codec.DecoderException;

/** The server broke the protocol (bad magic, unknown cookie, a chunk outside the request); the connection closes. */
public final class NbdProtocolException extends DecoderException {

    private static final long serialVersionUID = 1L;

    /** Creates the exception with a precise description of the violation. */
    public NbdProtocolException(String message) {
        super(message);
    }
}
