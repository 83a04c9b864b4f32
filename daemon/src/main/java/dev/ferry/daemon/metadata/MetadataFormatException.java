package dev.ferry.daemon.metadata;

import java.io.IOException;

/** A structure on disk carries Ferry's magic but is damaged or of an unsupported version. */
public final class MetadataFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception with a message naming the structure and the defect. */
    public MetadataFormatException(String message) {
        super(message);
    }
}
