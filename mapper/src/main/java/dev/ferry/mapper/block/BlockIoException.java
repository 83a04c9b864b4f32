package dev.ferry.mapper.block;

import java.io.IOException;

/** An I/O failure of a block device, classified so callers can map it (e.g. to NBD errors). */
public class BlockIoException extends IOException {

    private static final long serialVersionUID = 1L;

    /** What kind of failure happened. */
    public enum Kind {
        /** A medium or transport error. */
        IO_ERROR,
        /** The device or file system is out of space. */
        NO_SPACE,
        /** The request is outside the device or malformed. */
        INVALID,
        /** The operation is not supported by this device (e.g. a fast zero that would be slow). */
        NOT_SUPPORTED,
        /** The device refuses writes. */
        READ_ONLY,
        /** The device is shut down or being removed. */
        SHUTDOWN
    }

    private final Kind kind;

    /** Creates the exception. */
    public BlockIoException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    /** Creates the exception with a cause. */
    public BlockIoException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    /** The failure kind. */
    public Kind kind() {
        return kind;
    }
}
