package dev.ferry.mapper.block;

import static dev.ferry.mapper.block.TestIo.allocatedBlocks;
import static dev.ferry.mapper.block.TestIo.await;
import static dev.ferry.mapper.block.TestIo.failure;
import static dev.ferry.mapper.block.TestIo.random;
import static dev.ferry.mapper.block.TestIo.read;
import static dev.ferry.mapper.block.TestIo.run;
import static dev.ferry.mapper.block.TestIo.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.ThreadPoolExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link FileBlockDevice} on a 1 MiB tmpfs mounted for the test (root only): a full file system fails
 * writes with NO_SPACE, and tmpfs's lack of ZERO_RANGE exercises the zeroing fallbacks.
 */
class FileBlockDeviceTmpfsTest {

    private static final int MIB = 1 << 20;

    @TempDir
    Path dir;

    private Path mount;
    private boolean mounted;
    private ThreadPoolExecutor pool;

    @BeforeEach
    void mountTmpfs() throws Exception {
        assumeTrue(TestIo.isRoot(), "mounting a tmpfs needs root");
        mount = Files.createDirectory(dir.resolve("mnt"));
        TestIo.Result r = run("mount", "-t", "tmpfs", "-o", "size=1M", "tmpfs", mount.toString());
        assumeTrue(r.exit() == 0, "cannot mount a tmpfs here: " + r.output());
        mounted = true;
        pool = IoExecutors.newPool(2, 64);
    }

    @AfterEach
    void unmount() throws Exception {
        if (pool != null) {
            pool.shutdown();
        }
        if (mounted) {
            TestIo.Result r = run("umount", mount.toString());
            assertThat(r.exit()).as("umount %s: %s", mount, r.output()).isZero();
        }
    }

    @Test
    void fillingTheFileSystemFailsWithNoSpace() throws Exception {
        Path file = mount.resolve("big.img");
        try (FileBlockDevice device = FileBlockDevice.createSparse(file, 4 * MIB, false, pool)) {
            byte[] chunk = random(new Random(11), 256 << 10);
            BlockIoException failure = null;
            for (long off = 0; off < 4 * MIB && failure == null; off += chunk.length) {
                failure = TestIo.outcome(device.write(off, ByteBuffer.wrap(chunk), false));
            }
            assertThat(failure).as("a 4 MiB write stream on a 1 MiB tmpfs must fail").isNotNull();
            assertThat(failure.kind()).isEqualTo(BlockIoException.Kind.NO_SPACE);
            assertThat(failure.getMessage()).contains(file.toString(), "write", "offset=", "length=");
            assertThat(read(device, 0, chunk.length)).isEqualTo(chunk);
        }
    }

    @Test
    void zeroingWithoutUnmapBeyondCapacityFailsWithNoSpace() throws Exception {
        Path file = mount.resolve("zero.img");
        try (FileBlockDevice device = FileBlockDevice.createSparse(file, 4 * MIB, false, pool)) {
            BlockIoException e = failure(device.writeZeroes(0, 4 * MIB, false));
            assertThat(e.kind()).isEqualTo(BlockIoException.Kind.NO_SPACE);
            assertThat(e.getMessage()).contains(file.toString(), "writeZeroes", "fallocate", "ENOSPC");
        }
    }

    @Test
    void zeroingFallsBackToPunchAndAllocateWithoutZeroRange() throws Exception {
        Path file = mount.resolve("fallback.img");
        try (FileBlockDevice device = FileBlockDevice.createSparse(file, 512 << 10, false, pool)) {
            write(device, 0, random(new Random(12), 256 << 10));
            await(device.writeZeroes(1000, 100_000, false));
            assertThat(read(device, 1000, 100_000)).containsOnly(0);
            assertThat(allocatedBlocks(file)).isEqualTo((256 << 10) / 512);
            assertThat(device.fastZeroes()).as("punch + allocate is still fast").isTrue();
            await(device.writeZeroes(0, 256 << 10, true));
            assertThat(allocatedBlocks(file)).isZero();
            await(device.write(0, ByteBuffer.wrap(new byte[] {1}), true));
        }
    }
}
