package dev.ferry.daemon.model;

/** A refused or failed volume operation with a stable {@link ErrorCode}; metadata is left unchanged on refusal. */
public final class VolumeException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final ErrorCode code;

    /** Creates the exception. */
    public VolumeException(ErrorCode code, String message) {
        super(message);
        this.code = code;
    }

    /** Creates the exception with a cause. */
    public VolumeException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    /** The stable error name. */
    public ErrorCode code() {
        return code;
    }

    @Override
    public String toString() {
        return code + ": " + getMessage();
    }
}
