package dev.ferry.mapper.nativeio;

import java.io.IOException;

/** A failed native call: the syscall, what it acted on, and the errno it returned. */
public final class NativeIoException extends IOException {

    private static final long serialVersionUID = 1L;

    private final String syscall;
    private final int errno;

    /**
     * Creates the exception.
     *
     * @param syscall     the call, e.g. {@code fallocate}
     * @param target      what it acted on and with which arguments, e.g. a path and range
     * @param errno       the error number
     * @param description the libc text for the error number
     */
    public NativeIoException(String syscall, String target, int errno, String description) {
        super(syscall + "(" + target + ") failed: " + Errno.nameOf(errno) + " (" + description + ")");
        this.syscall = syscall;
        this.errno = errno;
    }

    /** The failed call's name. */
    public String syscall() {
        return syscall;
    }

    /** The error number. */
    public int errno() {
        return errno;
    }

    /** The symbolic error name, e.g. {@code ENOSPC}. */
    public String errnoName() {
        return Errno.nameOf(errno);
    }

    /** Whether the error is {@code EOPNOTSUPP}/{@code ENOTSUP}: the call is not supported here. */
    public boolean notSupported() {
        return errno == Errno.ENOTSUP;
    }
}
