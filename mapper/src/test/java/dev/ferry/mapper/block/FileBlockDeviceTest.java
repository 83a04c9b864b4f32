package dev.ferry.mapper.block;

import static dev.ferry.mapper.block.TestIo.allocatedBlocks;
import static dev.ferry.mapper.block.TestIo.await;
import static dev.ferry.mapper.block.TestIo.failure;
import static dev.ferry.mapper.block.TestIo.random;
import static dev.ferry.mapper.block.TestIo.read;
import static dev.ferry.mapper.block.TestIo.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.mapper.nativeio.Advice;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link FileBlockDevice} on real sparse files in a temporary directory. */
class FileBlockDeviceTest extends BlockDeviceContractTest {

    private static final int MIB = 1 << 20;
    private static ThreadPoolExecutor pool;

    @TempDir
    Path dir;

    @BeforeAll
    static void startPool() {
        pool = IoExecutors.newPool(4, 1024);
    }

    @AfterAll
    static void stopPool() {
        pool.shutdown();
    }

    @Override
    protected BlockDevice create(long size) throws Exception {
        return FileBlockDevice.createSparse(dir.resolve("pv.img"), size, false, pool);
    }

    private FileBlockDevice file() {
        return (FileBlockDevice) device;
    }

    @Test
    void describesItsPathAndSize() throws Exception {
        assertThat(device.describe()).isEqualTo(dir.resolve("pv.img").toString());
        assertThat(device.size()).isEqualTo(SIZE);
        assertThat(file().isBlockDevice()).isFalse();
        assertThat(file().isReadOnly()).isFalse();
        assertThat(file().logicalBlockSize()).isPositive();
        assertThat(allocatedBlocks(file().path())).isZero();
    }

    @Test
    void discardPunchesHoles() throws Exception {
        write(device, 0, random(new Random(4), 2 * MIB));
        await(device.flush());
        long before = allocatedBlocks(file().path());
        await(device.discard(256 << 10, 512 << 10));
        assertThat(await(device.allocation(0, SIZE))).containsExactly(
                Extent.data(0, 256 << 10), Extent.hole(256 << 10, 512 << 10),
                Extent.data(768 << 10, 2 * MIB - (768 << 10)), Extent.hole(2 * MIB, SIZE - 2 * MIB));
        assertThat(allocatedBlocks(file().path())).isLessThanOrEqualTo(before - (512 << 10) / 512);
        assertThat(read(device, 256 << 10, 512 << 10)).containsOnly(0);
    }

    @Test
    void allocationOfASparseFileMatchesTheWrittenRangesExactly() {
        write(device, 0, random(new Random(5), 64 << 10));
        write(device, MIB, random(new Random(6), 4096));
        write(device, 3 * MIB - (128 << 10), random(new Random(7), 128 << 10));
        await(device.flush());
        assertThat(await(device.allocation(0, SIZE))).containsExactly(
                Extent.data(0, 64 << 10), Extent.hole(64 << 10, MIB - (64 << 10)),
                Extent.data(MIB, 4096), Extent.hole(MIB + 4096, 2 * MIB - (128 << 10) - 4096),
                Extent.data(3 * MIB - (128 << 10), 128 << 10), Extent.hole(3 * MIB, MIB));
        assertThat(await(device.allocation(MIB + 100, 10))).containsExactly(Extent.data(MIB + 100, 10));
        assertThat(await(device.allocation(MIB + 4096, 4096))).containsExactly(Extent.hole(MIB + 4096, 4096));
    }

    @Test
    void zeroingWithoutUnmapKeepsBlocksAllocatedAndUnmapFreesThem() throws Exception {
        assertThat(device.fastZeroes()).isTrue();
        write(device, 0, random(new Random(8), MIB));
        await(device.flush());
        long written = allocatedBlocks(file().path());
        await(device.writeZeroes(0, MIB, false));
        assertThat(read(device, 0, MIB)).containsOnly(0);
        assertThat(allocatedBlocks(file().path())).isEqualTo(written);
        await(device.writeZeroes(2 * MIB, MIB, false));
        assertThat(allocatedBlocks(file().path())).isGreaterThanOrEqualTo(written + MIB / 512);
        await(device.writeZeroes(0, 3 * MIB, true));
        assertThat(allocatedBlocks(file().path())).isZero();
        assertThat(device.fastZeroes()).isTrue();
    }

    @Test
    void readsPastTheEndOfAShorterFileReturnZeroes() throws Exception {
        write(device, SIZE - 8192, random(new Random(9), 8192));
        try (RandomAccessFile raf = new RandomAccessFile(file().path().toFile(), "rw")) {
            raf.setLength(SIZE - 4096 - 100);
        }
        assertThat(device.size()).isEqualTo(SIZE);
        byte[] tail = read(device, SIZE - 4096 - 100, 4096 + 100);
        assertThat(tail).containsOnly(0);
        assertThat(await(device.allocation(SIZE - 4096, 4096))).containsExactly(Extent.hole(SIZE - 4096, 4096));
        assertThat(device.fileSpan(SIZE - 4096, 4096)).isEmpty();
    }

    @Test
    void readOnlyDeviceRefusesWritesButReads() throws Exception {
        write(device, 5, new byte[] {5});
        await(device.flush());
        try (FileBlockDevice ro = FileBlockDevice.open(file().path(), FileBlockDevice.Access.READ_ONLY, pool)) {
            assertThat(ro.isReadOnly()).isTrue();
            assertThat(ro.fastZeroes()).isFalse();
            assertThat(read(ro, 5, 1)).containsExactly(5);
            BlockIoException e = failure(ro.write(0, ByteBuffer.allocate(1), false));
            assertThat(e.kind()).isEqualTo(BlockIoException.Kind.READ_ONLY);
            assertThat(e.getMessage()).contains(file().path().toString(), "write", "offset=0", "length=1");
            assertThat(failure(ro.discard(0, 4096)).kind()).isEqualTo(BlockIoException.Kind.READ_ONLY);
            assertThat(failure(ro.writeZeroes(0, 4096, false)).kind()).isEqualTo(BlockIoException.Kind.READ_ONLY);
            await(ro.flush());
            assertThat(await(ro.allocation(0, 4096))).containsExactly(Extent.data(0, 4096));
        }
    }

    @Test
    void createSparseRefusesToOverwriteUnlessAsked() throws Exception {
        Path p = file().path();
        write(device, 0, new byte[] {1});
        await(device.flush());
        assertThatThrownBy(() -> FileBlockDevice.createSparse(p, MIB, false, pool))
                .isInstanceOf(FileAlreadyExistsException.class).hasMessageContaining("refusing");
        assertThat(Files.size(p)).isEqualTo(SIZE);
        try (FileBlockDevice replaced = FileBlockDevice.createSparse(p, MIB, true, pool)) {
            assertThat(replaced.size()).isEqualTo(MIB);
            assertThat(read(replaced, 0, 1)).containsExactly(0);
        }
        Path empty = Files.createFile(dir.resolve("empty.img"));
        try (FileBlockDevice grown = FileBlockDevice.createSparse(empty, 3 * MIB, false, pool)) {
            assertThat(grown.size()).isEqualTo(3 * MIB);
            assertThat(allocatedBlocks(empty)).isZero();
        }
        assertThatThrownBy(() -> FileBlockDevice.createSparse(dir, MIB, true, pool))
                .isInstanceOf(FileAlreadyExistsException.class).hasMessageContaining("not a regular file");
    }

    @Test
    void openRefusesWhatIsNeitherFileNorBlockDevice() {
        assertThatThrownBy(() -> FileBlockDevice.open(dir, FileBlockDevice.Access.READ_WRITE, pool))
                .hasMessageContaining("neither a regular file nor a block device");
        assertThatThrownBy(() -> FileBlockDevice.open(dir.resolve("missing"), FileBlockDevice.Access.READ_WRITE, pool))
                .isInstanceOf(java.nio.file.NoSuchFileException.class);
    }

    @Test
    void aFileSpansAllocationTellsTheFilesHolesRelativeToTheSpan() throws Exception {
        write(device, 3 * 4096, new byte[] {1});
        try (FileSpan span = device.fileSpan(4096, 4 * 4096).orElseThrow()) {
            assertThat(span.allocation()).containsExactly(Extent.hole(0, 2 * 4096), Extent.data(2 * 4096, 4096),
                    Extent.hole(3 * 4096, 4096));
        }
    }

    @Test
    void fileSpanPinsTheFileUntilReleased() throws Exception {
        byte[] data = random(new Random(10), 8192);
        write(device, 4096, data);
        Optional<FileSpan> maybe = device.fileSpan(4096, 8192);
        assertThat(maybe).isPresent();
        FileSpan span = maybe.get();
        assertThat(span.position()).isEqualTo(4096);
        assertThat(span.length()).isEqualTo(8192);
        CompletableFuture<Void> closed = file().closeAsync();
        assertThat(closed).isNotDone();
        assertThat(device.fileSpan(0, 4096)).isEmpty();
        assertThat(failure(device.read(0, ByteBuffer.allocate(1))).kind()).isEqualTo(BlockIoException.Kind.SHUTDOWN);
        ByteBuffer viaSpan = ByteBuffer.allocate(8192);
        while (viaSpan.hasRemaining()) {
            span.channel().read(viaSpan, span.position() + viaSpan.position());
        }
        assertThat(viaSpan.array()).isEqualTo(data);
        span.close();
        span.close();
        await(closed);
        assertThat(span.channel().isOpen()).isFalse();
    }

    @Test
    void closeWaitsForInFlightOperations() throws Exception {
        Queue<Runnable> queued = new ArrayDeque<>();
        Executor manual = queued::add;
        try (FileBlockDevice d = FileBlockDevice.open(file().path(), FileBlockDevice.Access.READ_WRITE, manual)) {
            CompletableFuture<Void> write = d.write(0, ByteBuffer.wrap(new byte[] {9}), true);
            CompletableFuture<Void> closed = d.closeAsync();
            assertThat(write).isNotDone();
            assertThat(closed).isNotDone();
            queued.remove().run();
            await(write);
            await(closed);
        }
        assertThat(read(device, 0, 1)).containsExactly(9);
    }

    @Test
    void rejectedSubmissionFailsWithoutBlocking() throws Exception {
        Executor rejecting = task -> {
            throw new RejectedExecutionException("full");
        };
        try (FileBlockDevice d = FileBlockDevice.open(file().path(), FileBlockDevice.Access.READ_WRITE, rejecting)) {
            BlockIoException e = failure(d.read(0, ByteBuffer.allocate(1)));
            assertThat(e.kind()).isEqualTo(BlockIoException.Kind.IO_ERROR);
            assertThat(e.getMessage()).contains("saturated");
        }
        ThreadPoolExecutor stopped = IoExecutors.newPool(1, 1);
        stopped.shutdown();
        try (FileBlockDevice d = FileBlockDevice.open(file().path(), FileBlockDevice.Access.READ_WRITE, stopped)) {
            assertThat(failure(d.flush()).kind()).isEqualTo(BlockIoException.Kind.SHUTDOWN);
        }
    }

    @Test
    void acceptsAccessHints() {
        await(file().advise(0, SIZE, Advice.SEQUENTIAL));
        await(file().advise(0, 0, Advice.DONTNEED));
        assertThat(failure(file().advise(SIZE, 1, Advice.WILLNEED)).kind()).isEqualTo(BlockIoException.Kind.INVALID);
    }

    @Test
    void defaultPoolUsesNamedDaemonThreads() throws Exception {
        ThreadPoolExecutor defaults = IoExecutors.newDefaultPool();
        try {
            Thread t = CompletableFuture.supplyAsync(Thread::currentThread, defaults).get();
            assertThat(t.getName()).startsWith("ferry-io-");
            assertThat(t.isDaemon()).isTrue();
            assertThat(defaults.getQueue().remainingCapacity()).isEqualTo(IoExecutors.DEFAULT_QUEUE_CAPACITY);
        } finally {
            defaults.shutdown();
        }
    }
}
