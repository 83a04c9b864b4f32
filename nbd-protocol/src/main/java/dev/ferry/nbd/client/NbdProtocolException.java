package dev.ferry.nbd.client;

import io.netty.handler.codec.DecoderException;

/** The server broke the protocol (bad magic, unknown cookie, chunk outside the request...); the connection is closed. */
public final class NbdProtocolException extends DecoderException {

    private static final long serialVersionUID = 1L;

    /** Creates the exception with a precise description of the violation. */
    public NbdProtocolException(String message) {
        super(message);
    }
}
