package dev.ferry.mapper.nativeio;

import static dev.ferry.mapper.nativeio.LinuxConstants.FALLOC_FL_KEEP_SIZE;
import static dev.ferry.mapper.nativeio.LinuxConstants.FALLOC_FL_PUNCH_HOLE;
import static dev.ferry.mapper.nativeio.LinuxConstants.FALLOC_FL_ZERO_RANGE;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.byref.IntByReference;
import jnr.ffi.byref.LongLongByReference;
import jnr.ffi.byref.PointerByReference;

/**
 * The one wrapper around {@link LinuxLibc}: every call checks its result, reads errno only when the
 * call failed (errno is sticky), and throws a {@link NativeIoException} naming the call, its target
 * and the error. Obtain the process-wide instance with {@link #get()}; it is thread-safe.
 */
public final class NativeIo {

    private static final int OPEN_MODE = 0;
    /** Supplementary groups asked for at first; more when the kernel says the peer has more. */
    private static final int PEER_GROUPS_GUESS = 64;
    /** The first buffer for a group's strings (member names), grown fourfold on ERANGE up to the maximum. */
    private static final int GROUP_BUFFER = 16 * 1024;
    private static final int GROUP_BUFFER_MAX = 16 * 1024 * 1024;

    private final LinuxLibc libc;
    private final Runtime runtime;
    private final LinuxConstants constants;
    private final List<Map.Entry<String, Integer>> errnoByText;

    private NativeIo(LinuxLibc libc, LinuxConstants constants) {
        this.libc = libc;
        this.runtime = Runtime.getRuntime(libc);
        this.constants = constants;
        Map<String, Integer> texts = new HashMap<>();
        for (Errno e : Errno.values()) {
            String text = libc.strerror(e.number());
            if (text != null && !text.isEmpty()) {
                texts.putIfAbsent(text, e.number());
            }
        }
        // Longest first, so "No such device or address" is not taken for "No such device".
        List<Map.Entry<String, Integer>> ordered = new ArrayList<>(texts.entrySet());
        ordered.sort(Comparator.comparingInt((Map.Entry<String, Integer> en) -> en.getKey().length()).reversed());
        this.errnoByText = List.copyOf(ordered);
    }

    /** Loads libc on first use. */
    private static final class Holder {
        static final NativeIo INSTANCE;
        static final Throwable FAILURE;

        static {
            NativeIo io = null;
            Throwable failure = null;
            try {
                LinuxConstants constants = LinuxConstants.forArch(System.getProperty("os.arch"));
                if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).startsWith("linux")) {
                    throw new UnsupportedOperationException("native I/O needs Linux, not " + System.getProperty("os.name"));
                }
                io = new NativeIo(LibraryLoader.create(LinuxLibc.class).load("c"), constants);
            } catch (RuntimeException | LinkageError e) {
                failure = e;
            }
            INSTANCE = io;
            FAILURE = failure;
        }
    }

    /**
     * The process-wide instance, loading libc through jnr-ffi on first use.
     *
     * @throws IOException if this platform is unsupported or jnr-ffi cannot load libc (the cause says why)
     */
    public static NativeIo get() throws IOException {
        if (Holder.INSTANCE == null) {
            throw new IOException("native I/O unavailable (os.arch=" + System.getProperty("os.arch")
                    + "): " + Holder.FAILURE, Holder.FAILURE);
        }
        return Holder.INSTANCE;
    }

    /** The constants of this architecture. */
    public LinuxConstants constants() {
        return constants;
    }

    /** Opens {@code path} with {@code O_CLOEXEC}, read-write or read-only. */
    public OwnedFd open(Path path, boolean writable) throws NativeIoException {
        int flags = (writable ? LinuxConstants.O_RDWR : LinuxConstants.O_RDONLY) | LinuxConstants.O_CLOEXEC;
        int fd = libc.open(path.toString(), flags, OPEN_MODE);
        if (fd < 0) {
            throw failure("open", path + ", " + (writable ? "O_RDWR" : "O_RDONLY"));
        }
        return new OwnedFd(this, fd, path);
    }

    void close(int fd, Path path) throws NativeIoException {
        if (libc.close(fd) != 0) {
            throw failure("close", path.toString());
        }
    }

    /** Deallocates a range, keeping the file size ({@code PUNCH_HOLE|KEEP_SIZE}); it then reads as zeroes. */
    public void punchHole(OwnedFd fd, long offset, long length) throws NativeIoException {
        fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, "PUNCH_HOLE|KEEP_SIZE", offset, length);
    }

    /** Zeroes a range keeping it allocated and the size unchanged ({@code ZERO_RANGE|KEEP_SIZE}). */
    public void zeroRange(OwnedFd fd, long offset, long length) throws NativeIoException {
        fallocate(fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, "ZERO_RANGE|KEEP_SIZE", offset, length);
    }

    /** Allocates blocks for a range without changing its contents or the size ({@code KEEP_SIZE}). */
    public void allocate(OwnedFd fd, long offset, long length) throws NativeIoException {
        fallocate(fd, FALLOC_FL_KEEP_SIZE, "KEEP_SIZE", offset, length);
    }

    private void fallocate(OwnedFd fd, int mode, String modeName, long offset, long length)
            throws NativeIoException {
        if (libc.fallocate(fd.fd(), mode, offset, length) != 0) {
            throw failure("fallocate", fd.path() + ", " + modeName + ", " + offset + ", " + length);
        }
    }

    /** Makes written data durable ({@code fdatasync}). */
    public void fdatasync(OwnedFd fd) throws NativeIoException {
        if (libc.fdatasync(fd.fd()) != 0) {
            throw failure("fdatasync", fd.path().toString());
        }
    }

    /**
     * Reads into a direct buffer from {@code offset} only what the page cache already holds ({@code preadv2} with
     * {@code RWF_NOWAIT}): the bytes read, from the buffer's position on, which is then advanced; 0 when the first
     * of them is not cached (EAGAIN) or at the end of the file. Throws for other errors, including a kernel or file
     * system without the flag ({@code EOPNOTSUPP}).
     */
    public int readCached(OwnedFd fd, ByteBuffer dst, long offset) throws NativeIoException {
        if (!dst.isDirect()) {
            throw new IllegalArgumentException("readCached needs a direct buffer");
        }
        // a slice starts at the buffer's position whichever way the wrapper counts positions
        long[] iov = {Pointer.wrap(runtime, dst.slice()).address(), dst.remaining()};
        long n = libc.preadv2(fd.fd(), iov, 1, offset, LinuxConstants.RWF_NOWAIT);
        if (n >= 0) {
            dst.position(dst.position() + (int) n);
            return (int) n;
        }
        int errno = LastError.getLastError(runtime);
        if (errno == Errno.EAGAIN.number()) {
            return 0;
        }
        throw exception("preadv2", fd.path() + ", " + offset + ", " + dst.remaining() + ", RWF_NOWAIT", errno);
    }

    /** The first offset at or after {@code offset} holding data, or -1 if none does before EOF. */
    public long seekData(OwnedFd fd, long offset) throws NativeIoException {
        return seek(fd, offset, LinuxConstants.SEEK_DATA, "SEEK_DATA");
    }

    /** The first offset at or after {@code offset} in a hole (EOF counts as one), or -1 if past EOF. */
    public long seekHole(OwnedFd fd, long offset) throws NativeIoException {
        return seek(fd, offset, LinuxConstants.SEEK_HOLE, "SEEK_HOLE");
    }

    private long seek(OwnedFd fd, long offset, int whence, String whenceName) throws NativeIoException {
        long r = libc.lseek(fd.fd(), offset, whence);
        if (r >= 0) {
            return r;
        }
        int errno = LastError.getLastError(runtime);
        if (errno == Errno.ENXIO.number()) {
            return -1;
        }
        throw exception("lseek", fd.path() + ", " + offset + ", " + whenceName, errno);
    }

    /** A block device's size in bytes ({@code BLKGETSIZE64}). */
    public long blockDeviceSize(OwnedFd fd) throws NativeIoException {
        LongLongByReference out = new LongLongByReference();
        if (libc.ioctl(fd.fd(), LinuxConstants.BLKGETSIZE64, out) != 0) {
            throw failure("ioctl", fd.path() + ", BLKGETSIZE64");
        }
        return out.longValue();
    }

    /** A block device's logical block size in bytes ({@code BLKSSZGET}). */
    public int logicalBlockSize(OwnedFd fd) throws NativeIoException {
        IntByReference out = new IntByReference();
        if (libc.ioctl(fd.fd(), LinuxConstants.BLKSSZGET, out) != 0) {
            throw failure("ioctl", fd.path() + ", BLKSSZGET");
        }
        return out.intValue();
    }

    /** Discards a block-device range ({@code BLKDISCARD}); offset and length must be block-aligned. */
    public void discardBlocks(OwnedFd fd, long offset, long length) throws NativeIoException {
        rangeIoctl(fd, LinuxConstants.BLKDISCARD, "BLKDISCARD", offset, length);
    }

    /** Zeroes a block-device range ({@code BLKZEROOUT}); offset and length must be block-aligned. */
    public void zeroOutBlocks(OwnedFd fd, long offset, long length) throws NativeIoException {
        rangeIoctl(fd, LinuxConstants.BLKZEROOUT, "BLKZEROOUT", offset, length);
    }

    private void rangeIoctl(OwnedFd fd, long request, String name, long offset, long length)
            throws NativeIoException {
        if (libc.ioctl(fd.fd(), request, new long[] {offset, length}) != 0) {
            throw failure("ioctl", fd.path() + ", " + name + ", {" + offset + ", " + length + "}");
        }
    }

    /**
     * An integer socket option at level {@code SOL_SOCKET} ({@code getsockopt}) of descriptor {@code fd}, which this
     * process did not open itself (a socket passed by systemd, say); ENOTSOCK when it is not a socket.
     */
    public int socketOption(int fd, int option, String optionName) throws NativeIoException {
        IntByReference value = new IntByReference();
        IntByReference length = new IntByReference(Integer.BYTES);
        if (libc.getsockopt(fd, LinuxConstants.SOL_SOCKET, option, value, length) != 0) {
            throw failure("getsockopt", "fd " + fd + ", SOL_SOCKET, " + optionName);
        }
        return value.intValue();
    }

    /**
     * The credentials of the peer of connected Unix socket {@code fd}: {@code SO_PEERCRED}, plus the supplementary
     * groups from {@code SO_PEERGROUPS} (left empty where the kernel does not know that option).
     */
    public PeerCredentials peerCredentials(int fd) throws NativeIoException {
        int[] ucred = new int[3];
        IntByReference length = new IntByReference(ucred.length * Integer.BYTES);
        if (libc.getsockopt(fd, LinuxConstants.SOL_SOCKET, LinuxConstants.SO_PEERCRED, ucred, length) != 0) {
            throw failure("getsockopt", "fd " + fd + ", SOL_SOCKET, SO_PEERCRED");
        }
        Set<Integer> groups = new HashSet<>();
        int[] gids = new int[PEER_GROUPS_GUESS];
        while (true) {
            IntByReference groupsLength = new IntByReference(gids.length * Integer.BYTES);
            if (libc.getsockopt(fd, LinuxConstants.SOL_SOCKET, LinuxConstants.SO_PEERGROUPS, gids, groupsLength) == 0) {
                for (int i = 0; i < groupsLength.intValue() / Integer.BYTES; i++) {
                    groups.add(gids[i]);
                }
                break;
            }
            int errno = LastError.getLastError(runtime);
            if (errno == Errno.ERANGE.number() && groupsLength.intValue() > gids.length * Integer.BYTES) {
                gids = new int[groupsLength.intValue() / Integer.BYTES];
            } else if (errno == Errno.ENOPROTOOPT.number()) {
                break;
            } else {
                throw exception("getsockopt", "fd " + fd + ", SOL_SOCKET, SO_PEERGROUPS", errno);
            }
        }
        return new PeerCredentials(ucred[0], ucred[1], ucred[2], groups);
    }

    /** The id of group {@code name} ({@code getgrnam_r}), empty when there is no such group. */
    public OptionalInt groupId(String name) throws NativeIoException {
        // struct group on LP64: char *gr_name, char *gr_passwd, gid_t gr_gid (then padding), char **gr_mem
        return entryId("getgrnam_r", name, 4 * Long.BYTES, 2 * Long.BYTES,
                (entry, strings, result) -> libc.getgrnam_r(name, entry, strings, strings.length, result));
    }

    /** The id of user {@code name} ({@code getpwnam_r}), empty when there is no such user. */
    public OptionalInt userId(String name) throws NativeIoException {
        // struct passwd on LP64: char *pw_name, char *pw_passwd, uid_t pw_uid, gid_t pw_gid, then three char *
        return entryId("getpwnam_r", name, 6 * Long.BYTES, 2 * Long.BYTES,
                (entry, strings, result) -> libc.getpwnam_r(name, entry, strings, strings.length, result));
    }

    /** One {@code get*nam_r} call: fills the entry and its strings, returns an error number. */
    @FunctionalInterface
    private interface EntryLookup {
        int call(byte[] entry, byte[] strings, PointerByReference result);
    }

    /**
     * Looks {@code name} up with a {@code get*nam_r} function whose entry is {@code entryBytes} long and holds the
     * 32-bit id at {@code idOffset}, growing the string buffer while it is too small.
     */
    private OptionalInt entryId(String function, String name, int entryBytes, int idOffset, EntryLookup lookup)
            throws NativeIoException {
        byte[] entry = new byte[entryBytes];
        for (int size = GROUP_BUFFER; ; size *= 4) {
            PointerByReference result = new PointerByReference();
            int err = lookup.call(entry, new byte[size], result);
            if (err == Errno.ERANGE.number() && size < GROUP_BUFFER_MAX) {
                continue;
            }
            if (err != 0) {
                throw exception(function, name, err);
            }
            if (result.getValue() == null || result.getValue().address() == 0) {
                return OptionalInt.empty();
            }
            return OptionalInt.of(ByteBuffer.wrap(entry).order(ByteOrder.nativeOrder()).getInt(idOffset));
        }
    }

    /**
     * Sets or clears {@code PR_SET_IO_FLUSHER} on the calling thread: memory reclaim then never waits on it while
     * it writes back. Needs {@code CAP_SYS_RESOURCE} (else EPERM) and Linux 5.6 (else EINVAL).
     */
    public void setIoFlusher(boolean on) throws NativeIoException {
        if (libc.prctl(LinuxConstants.PR_SET_IO_FLUSHER, on ? 1 : 0, 0, 0, 0) != 0) {
            throw failure("prctl", "PR_SET_IO_FLUSHER, " + (on ? 1 : 0));
        }
    }

    /** The size in bytes of a page of memory, and so of the page cache ({@code sysconf(_SC_PAGESIZE)}). */
    public int pageSize() throws NativeIoException {
        long size = libc.sysconf(LinuxConstants.SC_PAGESIZE);
        if (size <= 0) {
            throw failure("sysconf", "_SC_PAGESIZE");
        }
        return Math.toIntExact(size);
    }

    /** Whether the calling thread has {@code PR_SET_IO_FLUSHER} set ({@code PR_GET_IO_FLUSHER}). */
    public boolean ioFlusher() throws NativeIoException {
        int r = libc.prctl(LinuxConstants.PR_GET_IO_FLUSHER, 0, 0, 0, 0);
        if (r < 0) {
            throw failure("prctl", "PR_GET_IO_FLUSHER");
        }
        return r == 1;
    }

    /** Passes an access hint ({@code posix_fadvise}, which returns its error number rather than setting errno). */
    public void fadvise(OwnedFd fd, long offset, long length, Advice advice) throws NativeIoException {
        int err = libc.posix_fadvise(fd.fd(), offset, length, advice.value());
        if (err != 0) {
            throw exception("posix_fadvise", fd.path() + ", " + offset + ", " + length + ", " + advice, err);
        }
    }

    /**
     * Recognises the error number behind a JDK {@link IOException} (whose message is the libc text of
     * errno, e.g. "No space left on device"), for the errnos named in {@link Errno}.
     */
    public OptionalInt errnoOf(IOException e) {
        String message = e.getMessage();
        if (message != null) {
            for (Map.Entry<String, Integer> entry : errnoByText) {
                if (message.contains(entry.getKey())) {
                    return OptionalInt.of(entry.getValue());
                }
            }
        }
        return OptionalInt.empty();
    }

    /** The libc description of an error number. */
    public String describe(int errno) {
        return libc.strerror(errno);
    }

    private NativeIoException failure(String syscall, String target) {
        return exception(syscall, target, LastError.getLastError(runtime));
    }

    private NativeIoException exception(String syscall, String target, int errno) {
        return new NativeIoException(syscall, target, errno, libc.strerror(errno));
    }
}
