package dev.ferry.mapper.nativeio;

import java.util.Locale;

/**
 * Linux constants for one CPU architecture (x86_64 or aarch64); most are shared by both, and
 * {@link #forArch} refuses any other architecture rather than guess.
 *
 * @param arch     the architecture name
 * @param oDirect  {@code O_DIRECT}, the one open flag whose value differs between the two
 */
public record LinuxConstants(String arch, int oDirect) {

    /** {@code O_RDONLY}. */
    public static final int O_RDONLY = 0;
    /** {@code O_RDWR}. */
    public static final int O_RDWR = 2;
    /** {@code O_CLOEXEC}. */
    public static final int O_CLOEXEC = 0x80000;

    /** {@code FALLOC_FL_KEEP_SIZE}. */
    public static final int FALLOC_FL_KEEP_SIZE = 0x01;
    /** {@code FALLOC_FL_PUNCH_HOLE}. */
    public static final int FALLOC_FL_PUNCH_HOLE = 0x02;
    /** {@code FALLOC_FL_ZERO_RANGE}. */
    public static final int FALLOC_FL_ZERO_RANGE = 0x10;

    /** {@code RWF_NOWAIT}: a {@code preadv2} that would wait for I/O (data not in the page cache) fails with EAGAIN. */
    public static final int RWF_NOWAIT = 0x08;

    /** {@code SEEK_DATA}. */
    public static final int SEEK_DATA = 3;
    /** {@code SEEK_HOLE}. */
    public static final int SEEK_HOLE = 4;

    /** {@code BLKSSZGET = _IO(0x12, 104)}: logical block size, an {@code int}. */
    public static final long BLKSSZGET = 0x1268;
    /** {@code BLKGETSIZE64 = _IOR(0x12, 114, size_t)}: size in bytes, a {@code uint64_t}. */
    public static final long BLKGETSIZE64 = 0x80081272L;
    /** {@code BLKDISCARD = _IO(0x12, 119)}: discards {@code uint64_t[2] = {offset, length}}. */
    public static final long BLKDISCARD = 0x1277;
    /** {@code BLKZEROOUT = _IO(0x12, 127)}: zeroes {@code uint64_t[2] = {offset, length}}. */
    public static final long BLKZEROOUT = 0x127f;

    /** {@code SOL_SOCKET}. */
    public static final int SOL_SOCKET = 1;
    /** {@code SO_TYPE}: the socket's type, e.g. {@link #SOCK_STREAM}. */
    public static final int SO_TYPE = 3;
    /** {@code SO_ACCEPTCONN}: 1 for a listening socket. */
    public static final int SO_ACCEPTCONN = 30;
    /** {@code SO_DOMAIN}: the socket's address family, e.g. {@link #AF_UNIX}. */
    public static final int SO_DOMAIN = 39;
    /** {@code SO_PEERCRED}: the connected peer's {@code struct ucred {pid, uid, gid}}. */
    public static final int SO_PEERCRED = 17;
    /** {@code SO_PEERGROUPS}: the connected peer's supplementary group ids (Linux 4.13+). */
    public static final int SO_PEERGROUPS = 59;
    /** {@code PR_SET_IO_FLUSHER} (Linux 5.6+). */
    public static final int PR_SET_IO_FLUSHER = 57;
    /** {@code PR_GET_IO_FLUSHER} (Linux 5.6+). */
    public static final int PR_GET_IO_FLUSHER = 58;
    /** {@code _SC_PAGESIZE}: {@code sysconf}'s name for the page size (glibc numbers it alike on every architecture). */
    public static final int SC_PAGESIZE = 30;
    /** {@code SOCK_STREAM}. */
    public static final int SOCK_STREAM = 1;
    /** {@code AF_UNIX}. */
    public static final int AF_UNIX = 1;
    /** {@code AF_INET}. */
    public static final int AF_INET = 2;
    /** {@code AF_INET6}. */
    public static final int AF_INET6 = 10;

    /** x86_64 values. */
    public static final LinuxConstants X86_64 = new LinuxConstants("x86_64", 0x4000);
    /** aarch64 values. */
    public static final LinuxConstants AARCH64 = new LinuxConstants("aarch64", 0x10000);

    /**
     * The constants for an {@code os.arch} value.
     *
     * @throws UnsupportedOperationException for an architecture whose values are not known here
     */
    public static LinuxConstants forArch(String osArch) {
        switch (osArch.toLowerCase(Locale.ROOT)) {
            case "amd64":
            case "x86_64":
                return X86_64;
            case "aarch64":
            case "arm64":
                return AARCH64;
            default:
                throw new UnsupportedOperationException("native I/O constants are only defined for x86_64 and "
                        + "aarch64, not os.arch=" + osArch);
        }
    }
}
