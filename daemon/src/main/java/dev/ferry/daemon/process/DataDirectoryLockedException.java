package dev.ferry.daemon.process;

import java.io.IOException;

/** Thrown when another daemon holds the data directory's lock. */
public final class DataDirectoryLockedException extends IOException {
    private static final long serialVersionUID = 1L;

    /** @param message precise description naming the directory and the holder */
    public DataDirectoryLockedException(String message) {
        super(message);
    }
}
