package dev.ferry.mapper.nativeio;


/**
 * The Linux error numbers Ferry names (identical on x86_64 and aarch64, which both use the generic numbering).
 */
public enum Errno {
    EPERM(1), ENOENT(2), EINTR(4), EIO(5), ENXIO(6), EBADF(9), EAGAIN(11), ENOMEM(12), EACCES(13),
    EFAULT(14), EBUSY(16), EEXIST(17), ENODEV(19), ENOTDIR(20), EISDIR(21), EINVAL(22), ENOTTY(25),
    EFBIG(27), ENOSPC(28), ESPIPE(29), EROFS(30), ERANGE(34), ENOSYS(38), ENOTSOCK(88), ENOPROTOOPT(92), EOPNOTSUPP(95), EDQUOT(122);

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
}
