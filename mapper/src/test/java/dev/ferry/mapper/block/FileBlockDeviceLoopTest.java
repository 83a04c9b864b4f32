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

import dev.ferry.mapper.testing.Seeds;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.ThreadPoolExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link FileBlockDevice} on a real loop device (root only): BLKGETSIZE64, BLKSSZGET, BLKDISCARD and
 * BLKZEROOUT, with unaligned edges; the loop device is always detached.
 */
class FileBlockDeviceLoopTest {

    private static final int SIZE = 16 << 20;

    @TempDir
    Path dir;

    private Path backing;
    private Path loop;
    private ThreadPoolExecutor pool;

    @BeforeEach
    void attach() throws Exception {
        assumeTrue(TestIo.isRoot(), "attaching a loop device needs root");
        backing = dir.resolve("backing.img");
        try (RandomAccessFile f = new RandomAccessFile(backing.toFile(), "rw")) {
            f.setLength(SIZE);
        }
        TestIo.Result r = run("losetup", "-f", "--show", backing.toString());
        assumeTrue(r.exit() == 0, "no loop device support here: " + r.output());
        loop = Path.of(r.output().trim());
        pool = IoExecutors.newPool(2, 64);
    }

    @AfterEach
    void detach() throws Exception {
        if (pool != null) {
            pool.shutdown();
        }
        if (loop != null) {
            TestIo.Result r = run("losetup", "-d", loop.toString());
            assertThat(r.exit()).as("losetup -d %s: %s", loop, r.output()).isZero();
        }
    }

    private FileBlockDevice open(FileBlockDevice.Access access) throws Exception {
        return FileBlockDevice.open(loop, access, pool);
    }

    @Test
    void reportsSizeAndBlockSizeFromIoctls() throws Exception {
        try (FileBlockDevice device = open(FileBlockDevice.Access.READ_WRITE)) {
            assertThat(device.isBlockDevice()).isTrue();
            assertThat(device.size()).isEqualTo(SIZE);
            assertThat(device.logicalBlockSize()).isEqualTo(512);
            assertThat(device.describe()).isEqualTo(loop.toString());
            assertThat(device.fileSpan(0, 4096)).isEmpty();
            assertThat(await(device.allocation(100, 5000))).containsExactly(Extent.data(100, 5000));
        }
    }

    @Test
    void unalignedWritesReadBackThroughTheDevice() throws Exception {
        long seed = Seeds.fresh();
        Random rnd = new Random(seed);
        byte[] model = new byte[SIZE];
        try (FileBlockDevice device = open(FileBlockDevice.Access.READ_WRITE)) {
            for (int i = 0; i < 50; i++) {
                int len = 1 + rnd.nextInt(50_000);
                int off = rnd.nextInt(SIZE - len);
                byte[] data = random(rnd, len);
                await(device.write(off, ByteBuffer.wrap(data), rnd.nextBoolean()));
                System.arraycopy(data, 0, model, off, len);
            }
            await(device.flush());
            assertThat(read(device, 0, SIZE)).as("seed %d", seed).isEqualTo(model);
        }
        try (RandomAccessFile f = new RandomAccessFile(backing.toFile(), "r")) {
            byte[] onDisk = new byte[SIZE];
            f.readFully(onDisk);
            assertThat(onDisk).as("backing file after flush, seed %d", seed).isEqualTo(model);
        }
    }

    @Test
    void discardReachesTheBackingFile() throws Exception {
        try (FileBlockDevice device = open(FileBlockDevice.Access.READ_WRITE)) {
            write(device, 0, random(new Random(13), 4 << 20));
            await(device.flush());
            long before = allocatedBlocks(backing);
            await(device.discard(1 << 20, 2 << 20));
            await(device.discard(100, 300));
            await(device.flush());
            assertThat(allocatedBlocks(backing)).isLessThanOrEqualTo(before - (2 << 20) / 512);
        }
    }

    @Test
    void zeroOutWithUnalignedEdgesKeepsNeighbours() throws Exception {
        byte[] data = random(new Random(14), 1 << 20);
        try (FileBlockDevice device = open(FileBlockDevice.Access.READ_WRITE)) {
            assertThat(device.fastZeroes()).isTrue();
            write(device, 0, data);
            await(device.writeZeroes(1000, 300_000, false));
            await(device.writeZeroes(400_000, 200_000, true));
            await(device.writeZeroes(700_001, 10, false));
            byte[] expected = data.clone();
            Arrays.fill(expected, 1000, 301_000, (byte) 0);
            Arrays.fill(expected, 400_000, 600_000, (byte) 0);
            Arrays.fill(expected, 700_001, 700_011, (byte) 0);
            assertThat(read(device, 0, 1 << 20)).isEqualTo(expected);
            assertThat(device.fastZeroes()).as("BLKZEROOUT was accepted").isTrue();
            await(device.flush());
        }
        try (FileBlockDevice again = open(FileBlockDevice.Access.READ_ONLY)) {
            assertThat(read(again, 1000, 300_000)).containsOnly(0);
            assertThat(read(again, 0, 1000)).isEqualTo(Arrays.copyOf(data, 1000));
        }
    }

    @Test
    void readOnlyBlockDeviceRefusesWrites() throws Exception {
        try (FileBlockDevice device = open(FileBlockDevice.Access.READ_ONLY)) {
            assertThat(device.size()).isEqualTo(SIZE);
            assertThat(failure(device.writeZeroes(0, 512, false)).kind()).isEqualTo(BlockIoException.Kind.READ_ONLY);
            assertThat(read(device, SIZE - 512, 512)).containsOnly(0);
        }
    }
}
