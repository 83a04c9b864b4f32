package dev.ferry.mapper.nativeio;

import jnr.ffi.byref.IntByReference;
import jnr.ffi.byref.LongLongByReference;
import jnr.ffi.byref.PointerByReference;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.types.off_t;
import jnr.ffi.types.ssize_t;
import jnr.ffi.types.size_t;
import jnr.ffi.types.u_int64_t;

/**
 * The C library functions Ferry calls, bound by name through jnr-ffi; signatures mirror the C
 * prototypes and return the raw result (-1 and errno, or an error number for posix_fadvise).
 * Only {@link NativeIo} calls these.
 */
public interface LinuxLibc {

    /** {@code int open(const char *path, int flags, mode_t mode)}. */
    int open(@In CharSequence path, int flags, int mode);

    /** {@code int close(int fd)}. */
    int close(int fd);

    /** {@code int fallocate(int fd, int mode, off_t offset, off_t len)}. */
    int fallocate(int fd, int mode, @off_t long offset, @off_t long len);

    /** {@code int fdatasync(int fd)}. */
    int fdatasync(int fd);

    /**
     * {@code ssize_t preadv2(int fd, const struct iovec *iov, int iovcnt, off_t offset, int flags)}, the vectors
     * given as {@code {base, length}} pairs of 64-bit words.
     */
    @ssize_t long preadv2(int fd, @In long[] iov, int iovcnt, @off_t long offset, int flags);

    /** {@code off_t lseek(int fd, off_t offset, int whence)}. */
    @off_t long lseek(int fd, @off_t long offset, int whence);

    /** {@code ioctl(fd, request, uint64_t *out)}, e.g. BLKGETSIZE64. */
    int ioctl(int fd, @u_int64_t long request, @Out LongLongByReference out);

    /** {@code ioctl(fd, request, int *out)}, e.g. BLKSSZGET. */
    int ioctl(int fd, @u_int64_t long request, @Out IntByReference out);

    /** {@code ioctl(fd, request, const uint64_t range[2])}, e.g. BLKDISCARD and BLKZEROOUT. */
    int ioctl(int fd, @u_int64_t long request, @In long[] range);

    /** {@code int posix_fadvise(int fd, off_t offset, off_t len, int advice)}: returns the error number. */
    int posix_fadvise(int fd, @off_t long offset, @off_t long len, int advice);

    /** {@code int getsockopt(int fd, int level, int optname, int *optval, socklen_t *optlen)} for int options. */
    int getsockopt(int fd, int level, int optname, @Out IntByReference optval, IntByReference optlen);

    /** {@code getsockopt} for options whose value is an array of ints ({@code SO_PEERCRED}, {@code SO_PEERGROUPS}). */
    int getsockopt(int fd, int level, int optname, @Out int[] optval, IntByReference optlen);

    /**
     * {@code int getgrnam_r(const char *name, struct group *grp, char *buf, size_t buflen, struct group **result)}:
     * returns an error number; {@code result} is NULL when there is no such group.
     */
    int getgrnam_r(@In CharSequence name, @Out byte[] grp, @Out byte[] buf, @size_t long buflen,
                   @Out PointerByReference result);

    /**
     * {@code int getpwnam_r(const char *name, struct passwd *pwd, char *buf, size_t buflen, struct passwd **result)}:
     * returns an error number; {@code result} is NULL when there is no such user.
     */
    int getpwnam_r(@In CharSequence name, @Out byte[] pwd, @Out byte[] buf, @size_t long buflen,
                   @Out PointerByReference result);

    /** {@code int prctl(int option, unsigned long arg2, 0, 0, 0)}. */
    int prctl(int option, @u_int64_t long arg2, @u_int64_t long arg3, @u_int64_t long arg4, @u_int64_t long arg5);

    /** {@code long sysconf(int name)}. */
    long sysconf(int name);

    /** {@code char *strerror(int errnum)}. */
    String strerror(int errnum);
}
