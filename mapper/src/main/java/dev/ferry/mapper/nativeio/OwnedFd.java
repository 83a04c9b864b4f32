package dev.ferry.mapper.nativeio;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A file descriptor opened natively (with {@code O_CLOEXEC}) and owned by this object: the descriptor
 * is valid until {@link #close()}, which closes it exactly once.
 */
public final class OwnedFd implements AutoCloseable {

    private final NativeIo io;
    private final int fd;
    private final Path path;
    private final AtomicBoolean closed = new AtomicBoolean();

    OwnedFd(NativeIo io, int fd, Path path) {
        this.io = io;
        this.fd = fd;
        this.path = path;
    }

    /**
     * The descriptor number.
     *
     * @throws IllegalStateException once closed, so a stale number is never reused by mistake
     */
    int fd() {
        if (closed.get()) {
            throw new IllegalStateException("fd " + fd + " of " + path + " is closed");
        }
        return fd;
    }

    /** The path it was opened from. */
    public Path path() {
        return path;
    }

    /** Closes the descriptor; later calls do nothing. */
    @Override
    public void close() throws NativeIoException {
        if (closed.compareAndSet(false, true)) {
            io.close(fd, path);
        }
    }

    @Override
    public String toString() {
        return "fd " + fd + " (" + path + ")";
    }
}
