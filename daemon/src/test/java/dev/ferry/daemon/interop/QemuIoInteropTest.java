package dev.ferry.daemon.interop;

import static dev.ferry.daemon.interop.TestFiles.MIB;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.daemon.testing.ExternalTool;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code qemu-io} (qemu's NBD client: structured replies, FUA writes) against the real process. */
class QemuIoInteropTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    @RegisterExtension
    final ServeProcesses servers = new ServeProcesses();

    @TempDir
    Path dir;

    @BeforeEach
    void qemuIoInstalled() {
        ExternalTool.assumeInstalled("qemu-utils", "qemu-io");
    }

    /** A pattern write: {@code length} bytes of {@code pattern} at {@code offset}. */
    private record Pattern(long offset, int length, int pattern) {
        String write() {
            return "write -P 0x" + Integer.toHexString(pattern) + " " + offset + " " + length;
        }

        String read() {
            return "read -P 0x" + Integer.toHexString(pattern) + " " + offset + " " + length;
        }
    }

    @Test
    void unalignedPatternWritesAcross1MiBAnd32MiBBoundariesReadBackThroughNbdAndInTheFile() {
        Path file = TestFiles.sparse(dir.resolve("q.img"), 128 * MIB);
        ServeProcess serve = servers.start(dir, file, "q");
        List<Pattern> patterns = List.of(
                new Pattern(MIB - 1000, 3000, 0xa1),             // across 1 MiB
                new Pattern(32L * MIB - 4097, 8193, 0xb2),       // across 32 MiB
                new Pattern(5L * MIB + 1, 2 * MIB + 3, 0xc3),    // across 6 and 7 MiB
                new Pattern(63L * MIB + 7, 2 * MIB, 0xd4),       // across 64 MiB
                new Pattern(70L * MIB + 3, 33 * MIB - 5, 0xe5),  // more than one 32 MiB request
                new Pattern(128L * MIB - 1, 1, 0xf6));            // the very last byte

        qemuIo(serve, patterns.stream().map(Pattern::write).toArray(String[]::new));
        qemuIo(serve, patterns.stream().map(Pattern::read).toArray(String[]::new));

        for (Pattern p : patterns) {
            byte[] expected = new byte[p.length()];
            Arrays.fill(expected, (byte) p.pattern());
            assertThat(TestFiles.read(file, p.offset(), p.length())).as("file at %d", p.offset()).isEqualTo(expected);
        }
        assertThat(TestFiles.read(file, MIB - 1001, 1)).containsExactly(0);
        assertThat(TestFiles.read(file, 32L * MIB + 4096, 1)).containsExactly(0);
    }

    @Test
    void discardAndWriteZeroesReadBackAsZeroesWithoutTouchingNeighbours() {
        Path file = TestFiles.sparse(dir.resolve("z.img"), 48 * MIB);
        ServeProcess serve = servers.start(dir, file, "z");
        qemuIo(serve, "write -P 0x5a 0 " + 48 * MIB);
        qemuIo(serve,
                "discard " + (MIB - 512) + " " + (MIB + 1024),
                "write -z " + (32L * MIB - 3) + " 70000",
                "write -z 4097 1",
                "discard 40960 8192");
        qemuIo(serve,
                "read -P 0 " + (MIB - 512) + " " + (MIB + 1024),
                "read -P 0x5a " + (MIB - 513) + " 1",
                "read -P 0x5a " + (2L * MIB + 512) + " 1",
                "read -P 0 " + (32L * MIB - 3) + " 70000",
                "read -P 0x5a " + (32L * MIB - 4) + " 1",
                "read -P 0x5a " + (32L * MIB + 69997) + " 1",
                "read -P 0x5a 4096 1",
                "read -P 0 4097 1",
                "read -P 0x5a 4098 1",
                "read -P 0 40960 8192");
        assertThat(TestFiles.read(file, 32L * MIB - 3, 70000)).containsOnly(0);
    }

    @Test
    void aReadOnlyServeRefusesWrites() {
        Path file = TestFiles.sparse(dir.resolve("ro.img"), 4 * MIB);
        TestFiles.write(file, 0, new byte[] {1, 2, 3});
        ServeProcess serve = servers.start(dir, file, "ro", "--read-only");
        ExternalTool.Result write = ExternalTool.run(TIMEOUT, "qemu-io", "-f", "raw", serve.uri(),
                "-c", "write -P 0x11 0 512");
        assertThat(write.exitCode()).as(write.describe()).isNotZero();
        assertThat(write.stdout() + write.stderr()).containsIgnoringCase("permission denied");
        ExternalTool.run(TIMEOUT, "qemu-io", "-f", "raw", "-r", serve.uri(), "-c", "read -P 0 3 509").assertSuccess();
        assertThat(TestFiles.read(file, 0, 4)).containsExactly(1, 2, 3, 0);
    }

    private static void qemuIo(ServeProcess serve, String... commands) {
        List<String> cmd = new ArrayList<>(List.of("qemu-io", "-f", "raw", serve.uri()));
        for (String c : commands) {
            cmd.add("-c");
            cmd.add(c);
        }
        ExternalTool.Result r = ExternalTool.run(TIMEOUT, cmd.toArray(String[]::new)).assertSuccess();
        assertThat(r.stdout() + r.stderr()).as(r.describe()).doesNotContainIgnoringCase("fail")
                .doesNotContainIgnoringCase("error");
    }
}
