package dev.ferry.mapper.nativeio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ferry.mapper.testing.IoFlusherThreads;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.reflect.Method;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.AbstractSelectableChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link NativeIo} against real files, and the errno names. */
class NativeIoTest {

    @TempDir
    Path dir;

    private final NativeIo io = io();

    private static NativeIo io() {
        try {
            return NativeIo.get();
        } catch (IOException e) {
            throw new AssertionError("jnr-ffi must load libc on this machine", e);
        }
    }

    @Test
    void errnoNumbersHaveNames() {
        assertThat(Errno.nameOf(28)).isEqualTo("ENOSPC");
        assertThat(Errno.nameOf(95)).isEqualTo("EOPNOTSUPP");
        assertThat(Errno.nameOf(200)).isEqualTo("errno=200");
        for (Errno e : Errno.values()) {
            assertThat(Errno.of(e.number())).isSameAs(e);
        }
    }

    @Test
    void pageSizeIsTheOneGetconfReports() throws Exception {
        Process p = new ProcessBuilder("getconf", "PAGESIZE").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("getconf PAGESIZE: " + out).isZero();
        assertThat(io.pageSize()).isEqualTo(Integer.parseInt(out));
    }

    @Test
    void exceptionNamesCallTargetAndError() {
        NativeIoException e = new NativeIoException("fallocate", "/x, PUNCH_HOLE", 28, io.describe(28));
        assertThat(e.getMessage()).isEqualTo("fallocate(/x, PUNCH_HOLE) failed: ENOSPC (No space left on device)");
        assertThat(e.syscall()).isEqualTo("fallocate");
        assertThat(e.errno()).isEqualTo(28);
        assertThat(e.errnoName()).isEqualTo("ENOSPC");
        assertThat(e.notSupported()).isFalse();
        assertThat(new NativeIoException("ioctl", "/dev/x", 95, "n/a").notSupported()).isTrue();
    }

    @Test
    void openingAMissingFileFailsWithEnoent() {
        Path missing = dir.resolve("missing");
        assertThatThrownBy(() -> io.open(missing, true)).isInstanceOfSatisfying(NativeIoException.class, e -> {
            assertThat(e.syscall()).isEqualTo("open");
            assertThat(e.errnoName()).isEqualTo("ENOENT");
            assertThat(e.getMessage()).contains(missing.toString(), "O_RDWR");
        });
    }

    @Test
    void fallocateOnAReadOnlyDescriptorFailsWithEbadf() throws Exception {
        Path f = Files.write(dir.resolve("f"), new byte[8192]);
        try (OwnedFd fd = io.open(f, false)) {
            assertThatThrownBy(() -> io.punchHole(fd, 0, 4096)).isInstanceOfSatisfying(NativeIoException.class, e -> {
                assertThat(e.errnoName()).isEqualTo("EBADF");
                assertThat(e.getMessage()).contains("fallocate", "PUNCH_HOLE|KEEP_SIZE", "0, 4096");
            });
        }
    }

    @Test
    void cachedReadsFillTheBufferFromItsPositionAndStopAtWhatIsNotCached() throws Exception {
        Path f = dir.resolve("cached");
        byte[] data = new byte[256 * 1024];
        new java.util.Random(11).nextBytes(data);
        Files.write(f, data);
        ByteBuffer dst = ByteBuffer.allocateDirect(data.length + 64);
        for (int i = 0; i < dst.capacity(); i++) {
            dst.put(i, (byte) 0x5a);
        }
        try (OwnedFd fd = io.open(f, false)) {
            dst.position(32).limit(32 + 4096);
            assertThat(io.readCached(fd, dst, 0)).isEqualTo(4096);
            dst.limit(32 + data.length);
            assertThat(io.readCached(fd, dst, 4096)).isEqualTo(data.length - 4096);
            assertThat(dst.position()).isEqualTo(32 + data.length);
            byte[] read = new byte[data.length];
            dst.get(32, read);
            assertThat(read).isEqualTo(data);
            dst.clear();
            for (int i : new int[] {0, 31, 32 + data.length, dst.capacity() - 1}) {
                assertThat(dst.get(i)).as("guard byte %d", i).isEqualTo((byte) 0x5a);
            }
            assertThat(io.readCached(fd, dst, data.length)).as("at the end of the file").isZero();

            io.fdatasync(fd);
            // DONTNEED is advisory: a page the kernel still holds busy at that moment stays cached (seen once in CI,
            // every page still there), so the drop is asked again, up to 100 times 10 ms apart, until one is gone
            int cached = data.length;
            for (int attempt = 0; attempt < 100 && cached == data.length; attempt++) {
                if (attempt > 0) {
                    Thread.sleep(10);
                }
                io.fadvise(fd, 0, 0, Advice.DONTNEED);
                dst.clear().limit(data.length);
                cached = io.readCached(fd, dst, 0);
            }
            assertThat(cached).as("after the page cache dropped the file").isLessThan(data.length);
        }
    }

    @Test
    void seekDataAndHoleFindWrittenRanges() throws Exception {
        Path f = dir.resolve("sparse");
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[4096]), 1 << 20);
            ch.write(ByteBuffer.wrap(new byte[1]), (4 << 20) - 1);
            ch.force(false);
        }
        try (OwnedFd fd = io.open(f, true)) {
            assertThat(io.seekData(fd, 0)).isEqualTo(1 << 20);
            assertThat(io.seekHole(fd, 1 << 20)).isEqualTo((1 << 20) + 4096);
            assertThat(io.seekData(fd, (1 << 20) + 4096)).isEqualTo((4 << 20) - 4096);
            assertThat(io.seekHole(fd, (4 << 20) - 4096)).isEqualTo(4 << 20);
            assertThat(io.seekData(fd, 4 << 20)).isEqualTo(-1);
            io.punchHole(fd, 1 << 20, 4096);
            io.fdatasync(fd);
            assertThat(io.seekData(fd, 0)).isEqualTo((4 << 20) - 4096);
        }
    }

    @Test
    void fadviseReportsTheReturnedErrorNumber() throws Exception {
        Path fifo = dir.resolve("fifo");
        Process p = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        assumeTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, "mkfifo (coreutils) is not available");
        try (OwnedFd fd = io.open(fifo, true)) {
            assertThatThrownBy(() -> io.fadvise(fd, 0, 0, Advice.SEQUENTIAL))
                    .isInstanceOfSatisfying(NativeIoException.class, e -> {
                        assertThat(e.syscall()).isEqualTo("posix_fadvise");
                        assertThat(e.errnoName()).isEqualTo("ESPIPE");
                    });
        }
        Path f = Files.write(dir.resolve("plain"), new byte[4096]);
        try (OwnedFd fd = io.open(f, false)) {
            io.fadvise(fd, 0, 0, Advice.WILLNEED);
        }
    }

    @Test
    void blockDeviceIoctlsOnARegularFileFailWithEnotty() throws Exception {
        Path f = Files.write(dir.resolve("plain"), new byte[4096]);
        try (OwnedFd fd = io.open(f, true)) {
            assertThatThrownBy(() -> io.blockDeviceSize(fd)).isInstanceOfSatisfying(NativeIoException.class,
                    e -> assertThat(e.errnoName()).isEqualTo("ENOTTY"));
            assertThatThrownBy(() -> io.zeroOutBlocks(fd, 0, 4096)).isInstanceOfSatisfying(NativeIoException.class,
                    e -> assertThat(e.getMessage()).contains("BLKZEROOUT", "{0, 4096}"));
        }
    }

    @Test
    void aClosedDescriptorIsNeverUsedAgain() throws Exception {
        Path f = Files.write(dir.resolve("plain"), new byte[4096]);
        OwnedFd fd = io.open(f, true);
        fd.close();
        fd.close();
        assertThatThrownBy(() -> io.fdatasync(fd)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(f.toString());
    }

    @Test
    void recognisesErrnoBehindJdkExceptions() throws Exception {
        IOException isDir = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                () -> new RandomAccessFile(dir.toFile(), "rw").close());
        assertThat(io.errnoOf(isDir)).hasValue(Errno.EISDIR.number());
        assertThat(io.errnoOf(new IOException("No space left on device"))).hasValue(28);
        assertThat(io.errnoOf(new IOException("No such device or address"))).hasValue(6);
        assertThat(io.errnoOf(new IOException("No such device"))).hasValue(19);
        assertThat(io.errnoOf(new IOException("something else"))).isEqualTo(OptionalInt.empty());
        assertThat(io.errnoOf(new IOException())).isEmpty();
    }

    @Test
    void constantsAreDefinedPerArchitectureOnly() {
        assertThat(LinuxConstants.forArch("amd64")).isSameAs(LinuxConstants.X86_64);
        assertThat(LinuxConstants.forArch("aarch64").oDirect()).isEqualTo(0x10000);
        assertThat(LinuxConstants.X86_64.oDirect()).isEqualTo(0x4000);
        assertThatThrownBy(() -> LinuxConstants.forArch("riscv64"))
                .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("riscv64");
        assertThat(io.constants()).isSameAs(LinuxConstants.forArch(System.getProperty("os.arch")));
    }

    @Test
    void socketOptionsTellAListeningUnixStreamSocketFromAFile() throws Exception {
        try (ServerSocketChannel listening = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            listening.bind(UnixDomainSocketAddress.of(dir.resolve("s.sock")));
            int fd = fdOf(listening);
            assertThat(io.socketOption(fd, LinuxConstants.SO_DOMAIN, "SO_DOMAIN")).isEqualTo(LinuxConstants.AF_UNIX);
            assertThat(io.socketOption(fd, LinuxConstants.SO_TYPE, "SO_TYPE")).isEqualTo(LinuxConstants.SOCK_STREAM);
            assertThat(io.socketOption(fd, LinuxConstants.SO_ACCEPTCONN, "SO_ACCEPTCONN")).isEqualTo(1);
        }
        Path file = Files.createFile(dir.resolve("plain"));
        try (OwnedFd fd = io.open(file, false)) {
            assertThatThrownBy(() -> io.socketOption(fd.fd(), LinuxConstants.SO_DOMAIN, "SO_DOMAIN"))
                    .isInstanceOf(NativeIoException.class).hasMessageContaining("getsockopt(fd " + fd.fd())
                    .hasMessageContaining("ENOTSOCK");
        }
    }

    @Test
    void peerCredentialsNameTheProcessAtTheOtherEnd() throws Exception {
        Path socket = dir.resolve("peer.sock");
        try (ServerSocketChannel listening = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            listening.bind(UnixDomainSocketAddress.of(socket));
            try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(socket));
                 SocketChannel accepted = listening.accept()) {
                PeerCredentials peer = io.peerCredentials(fdOf(accepted));
                Map<String, String> status = procStatus();
                assertThat(peer.pid()).isEqualTo(ProcessHandle.current().pid());
                assertThat(peer.uid()).isEqualTo(Integer.parseInt(status.get("Uid").split("\\s+")[1]));
                assertThat(peer.gid()).isEqualTo(Integer.parseInt(status.get("Gid").split("\\s+")[1]));
                Set<Integer> groups = new HashSet<>();
                for (String g : status.get("Groups").trim().split("\\s+")) {
                    if (!g.isEmpty()) {
                        groups.add(Integer.parseInt(g));
                    }
                }
                assertThat(peer.groups()).isEqualTo(groups);
                assertThat(peer.inGroup(peer.gid())).isTrue();
                assertThat(client.isConnected()).isTrue();
            }
        }
        Path file = Files.createFile(dir.resolve("not-a-socket"));
        try (OwnedFd fd = io.open(file, false)) {
            assertThatThrownBy(() -> io.peerCredentials(fd.fd())).isInstanceOf(NativeIoException.class)
                    .hasMessageContaining("SO_PEERCRED").hasMessageContaining("ENOTSOCK");
        }
    }

    @Test
    void userAndGroupIdsResolveByName() throws Exception {
        assertThat(io.groupId("root")).isEqualTo(OptionalInt.of(0));
        assertThat(io.groupId("no-such-group-ferry")).isEmpty();
        assertThat(io.userId("root")).isEqualTo(OptionalInt.of(0));
        assertThat(io.userId("nobody")).isEqualTo(OptionalInt.of(65534));
        assertThat(io.userId("no-such-user-ferry")).isEmpty();
    }

    @Test
    void ioFlusherIsSetOnTheCallingThreadExactlyWhenTheProcessHasCapSysResource() throws Exception {
        boolean capable = IoFlusherThreads.hasCapSysResource();
        boolean[] marked = new boolean[1];
        long[] flags = new long[1];
        Thread t = new Thread(() -> {
            marked[0] = IoFlusher.markCurrentThread();
            flags[0] = IoFlusherThreads.taskFlags(Path.of("/proc/thread-self"));
        });
        t.start();
        t.join();
        assertThat(marked[0]).as("marked, with CAP_SYS_RESOURCE=" + capable).isEqualTo(capable);
        assertThat(IoFlusherThreads.isIoFlusher(flags[0])).isEqualTo(capable);
        assertThat(IoFlusherThreads.isIoFlusher(IoFlusherThreads.taskFlags(Path.of("/proc/thread-self"))))
                .as("the flag is per thread").isFalse();
        if (capable) {
            assertThat(io.ioFlusher()).isFalse();
        } else {
            assertThatThrownBy(() -> io.setIoFlusher(true)).isInstanceOf(NativeIoException.class)
                    .hasMessageContaining("PR_SET_IO_FLUSHER").hasMessageContaining("EPERM");
        }
    }

    private static Map<String, String> procStatus() throws IOException {
        Map<String, String> out = new HashMap<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            int colon = line.indexOf(':');
            out.put(line.substring(0, colon), line.substring(colon + 1).trim());
        }
        return out;
    }

    /** The descriptor number of a JDK channel (the test JVM opens {@code sun.nio.ch}). */
    private static int fdOf(AbstractSelectableChannel channel) throws ReflectiveOperationException {
        Method getFdVal = channel.getClass().getDeclaredMethod("getFDVal");
        getFdVal.setAccessible(true);
        return (int) getFdVal.invoke(channel);
    }
}
