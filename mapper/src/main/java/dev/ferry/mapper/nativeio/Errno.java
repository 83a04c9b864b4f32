package dev.ferry.mapper.nativeio;

import dev.ferry.mapper.block.BlockIoException;

/**
 * The Linux error numbers Ferry names and classifies (identical on x86_64 and aarch64, which both use
 * the generic numbering); {@link #kindOf} maps any number to a {@link BlockIoException.Kind}.
 */
public enum Errno {
    EPERM(1), ENOENT(2), EINTR(4), EIO(5), ENXIO(6), EBADF(9), EAGAIN(11), ENOMEM(12), EACCES(13),
    EFAULT(14), EBUSY(16), EEXIST(17), ENODEV(19), ENOTDIR(20), EISDIR(21), EINVAL(22), ENOTTY(25),
    EFBIG(27), ENOSPC(28), ESPIPE(29), EROFS(30), ENOSYS(38), EOPNOTSUPP(95), EDQUOT(122);

    /** {@code ENOTSUP} is the same number as {@code EOPNOTSUPP} on Linux. */
    public static final int ENOTSUP = 95;

    private static final Errno[] BY_NUMBER = new Errno[128];

    static {
        for (Errno e : values()) {
            BY_NUMBER[e.number] = e;
        }
    }

    private final int number;

    Errno(int number) {
        this.number = number;
    }

    /** The error number. */
    public int number() {
        return number;
    }

    /** The named errno for a number, or null if Ferry does not name it. */
    public static Errno of(int number) {
        return number > 0 && number < BY_NUMBER.length ? BY_NUMBER[number] : null;
    }

    /** The symbolic name of a number, e.g. {@code ENOSPC}, or {@code errno=N} if not named here. */
    public static String nameOf(int number) {
        Errno e = of(number);
        return e == null ? "errno=" + number : e.name();
    }

    /** The block I/O failure kind for an error number. */
    public static BlockIoException.Kind kindOf(int number) {
        Errno e = of(number);
        if (e == null) {
            return BlockIoException.Kind.IO_ERROR;
        }
        switch (e) {
            case ENOSPC:
            case EDQUOT:
            case EFBIG:
                return BlockIoException.Kind.NO_SPACE;
            case EOPNOTSUPP:
                return BlockIoException.Kind.NOT_SUPPORTED;
            case EINVAL:
                return BlockIoException.Kind.INVALID;
            case EROFS:
            case EPERM:
            case EACCES:
                return BlockIoException.Kind.READ_ONLY;
            default:
                return BlockIoException.Kind.IO_ERROR;
        }
    }
}
