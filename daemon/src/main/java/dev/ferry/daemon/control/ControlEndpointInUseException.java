package dev.ferry.daemon.control;

import java.io.IOException;

/** Thrown when a control endpoint cannot be taken because another daemon (or another file) holds it. */
public final class ControlEndpointInUseException extends IOException {
    private static final long serialVersionUID = 1L;

    /** @param message precise description naming the endpoint */
    public ControlEndpointInUseException(String message) {
        super(message);
    }
}
