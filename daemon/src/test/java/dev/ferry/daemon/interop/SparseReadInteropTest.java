package dev.ferry.daemon.interop;

import static dev.ferry.daemon.interop.TestFiles.MIB;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.daemon.testing.ExternalTool;
import dev.ferry.daemon.testing.Prerequisites;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reads of a sparse file through the real {@code ferry serve} process: libnbd sees OFFSET_HOLE chunks where the
 * file has holes, qemu-io reads the right bytes across hole/data boundaries, and nbdcopy of a sparse 1 GiB export
 * leaves the destination sparse.
 */
class SparseReadInteropTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(180);
    /** The system Python, which has Debian's libnbd bindings (a pyenv python3 earlier on PATH does not). */
    private static final String PYTHON = "/usr/bin/python3";
    /** Prints one line per chunk of a structured read: kind, offset, length, whether it holds a non-zero byte. */
    private static final String CHUNKS = String.join("\n",
            "import nbd, sys",
            "h = nbd.NBD()",
            "h.connect_uri(sys.argv[1])",
            "def chunk(buf, offset, status, error):",
            "    kind = {nbd.READ_DATA: 'data', nbd.READ_HOLE: 'hole'}.get(status, str(status))",
            "    print(kind, offset, len(buf), 'nonzero' if any(buf) else 'zero')",
            "    return 0",
            "h.pread_structured(int(sys.argv[3]), int(sys.argv[2]), chunk)");

    @RegisterExtension
    final ServeProcesses servers = new ServeProcesses();

    @TempDir
    Path dir;

    @Test
    void libnbdGetsHoleChunksForHolesAndDataChunksForDataInOrder() {
        Prerequisites.require(Files.isExecutable(Path.of(PYTHON))
                        && ExternalTool.run(TIMEOUT, PYTHON, "-c", "import nbd").exitCode() == 0,
                "the libnbd Python bindings are not installed (Debian package python3-libnbd)");
        Path file = TestFiles.sparse(dir.resolve("s.img"), 8 * MIB);
        TestFiles.writeRandom(file, MIB, 65536, 1);
        TestFiles.writeRandom(file, 3 * MIB, 4096, 2);
        ServeProcess serve = servers.start(dir, file, "s");

        assertThat(chunks(serve, 0, 4 * MIB)).containsExactly(
                "hole 0 1048576 zero", "data 1048576 65536 nonzero", "hole 1114112 2031616 zero",
                "data 3145728 4096 nonzero", "hole 3149824 1044480 zero");
        assertThat(chunks(serve, MIB - 100, 8192)).as("a short read is one data chunk")
                .containsExactly("data 1048476 8192 nonzero");
    }

    @Test
    void qemuIoReadsZeroesInHolesAndThePatternInData() {
        ExternalTool.assumeInstalled("qemu-utils", "qemu-io");
        Path file = TestFiles.sparse(dir.resolve("q.img"), 16 * MIB);
        ServeProcess serve = servers.start(dir, file, "q");
        run("qemu-io", "-f", "raw", serve.uri(), "-c", "write -P 0x3c " + (2 * MIB + 512) + " 70000",
                "-c", "write -P 0x4d " + 9 * MIB + " 4096");
        ExternalTool.Result r = run("qemu-io", "-f", "raw", "-r", serve.uri(),
                "-c", "read -P 0 0 " + (2 * MIB + 512),
                "-c", "read -P 0x3c " + (2 * MIB + 512) + " 70000",
                "-c", "read -P 0 " + (2 * MIB + 512 + 70000) + " " + (7 * MIB - 512 - 70000),
                "-c", "read -P 0x4d " + 9 * MIB + " 4096",
                "-c", "read -P 0 " + (9 * MIB + 4096) + " " + (7 * MIB - 4096));
        assertThat(r.stdout() + r.stderr()).as(r.describe()).doesNotContainIgnoringCase("fail")
                .doesNotContainIgnoringCase("error");
    }

    @Test
    void nbdcopyOfASparse1GiBExportKeepsTheDestinationSparse() throws IOException {
        ExternalTool.assumeInstalled("libnbd-bin", "nbdcopy");
        long size = 1024L * MIB;
        Path file = TestFiles.sparse(dir.resolve("big.img"), size);
        for (int i = 0; i < 8; i++) {
            TestFiles.writeRandom(file, i * 128L * MIB + i * 4096L, 2 * MIB, 10 + i);
        }
        ServeProcess serve = servers.start(dir, file, "big");
        Path copy = dir.resolve("copy.img");

        run("nbdcopy", serve.uri(), copy.toString());

        assertThat(Files.size(copy)).isEqualTo(size);
        assertThat(TestFiles.sha256(copy)).isEqualTo(TestFiles.sha256(file));
        assertThat(allocatedBytes(copy)).as("allocated bytes of the copy").isLessThan(24L * MIB);
    }

    private List<String> chunks(ServeProcess serve, long offset, long length) {
        return run(PYTHON, "-c", CHUNKS, serve.uri(), Long.toString(offset), Long.toString(length)).stdout()
                .lines().toList();
    }

    private static ExternalTool.Result run(String... command) {
        return ExternalTool.run(TIMEOUT, command).assertSuccess();
    }

    /** Bytes the file system allocated for a file ({@code stat} block count × 512). */
    private static long allocatedBytes(Path file) {
        String blocks = run("stat", "-c", "%b", file.toString()).stdout().trim();
        try {
            return Long.parseLong(blocks) * 512;
        } catch (NumberFormatException e) {
            throw new UncheckedIOException(new IOException("stat printed " + blocks, e));
        }
    }
}
