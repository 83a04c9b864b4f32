package dev.ferry.daemon.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.ferry.mapper.block.FileBlockDevice;
import dev.ferry.mapper.block.IoExecutors;
import dev.ferry.mapper.nativeio.Advice;
import dev.ferry.nbd.NbdConstants;
import dev.ferry.nbd.export.BlockStatusExtent;
import dev.ferry.nbd.export.ReadResult;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The adapter over a real sparse file: cached short reads on the calling thread, and page-aligned writes on a thread
 * prepared as an NBD event loop; long reads and the rest through the device's I/O threads, long reads split at the file's holes, block status from SEEK_DATA.
 */
class BlockDeviceExportOnFileTest {

    @TempDir
    Path dir;

    private final ThreadPoolExecutor pool = IoExecutors.newPool(2, 64);

    @AfterEach
    void stopPool() throws InterruptedException {
        pool.shutdown();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    /** The bytes a read's chunks describe, holes as zeroes, checking that they tile {@code [offset, +length)}. */
    private static byte[] bytesOf(ReadResult result, long offset, int length) {
        byte[] out = new byte[length];
        long next = offset;
        for (ReadResult.Chunk chunk : result.chunks()) {
            assertThat(chunk.offset()).as("chunks in order, without gaps").isEqualTo(next);
            if (chunk instanceof ReadResult.Data data) {
                data.buffer().getBytes(data.buffer().readerIndex(), out, (int) (next - offset), data.length());
                next += data.length();
            } else {
                next += ((ReadResult.Hole) chunk).length();
            }
        }
        assertThat(next).isEqualTo(offset + length);
        return out;
    }

    @Test
    void onAPreparedEventLoopThreadAPageAlignedWriteIsDoneWithoutAnIoThread() throws Exception {
        FileBlockDevice device = FileBlockDevice.createSparse(dir.resolve("w.img"), 1 << 20, false, pool);
        BlockDeviceExport export = new BlockDeviceExport("w", "", device, false);
        CountDownLatch release = new CountDownLatch(1);
        for (int i = 0; i < pool.getMaximumPoolSize(); i++) {
            pool.execute(() -> awaitQuietly(release)); // every I/O thread busy
        }
        byte[] bytes = new byte[65536];
        new java.util.Random(6).nextBytes(bytes);
        CompletableFuture<CompletableFuture<Void>> written = new CompletableFuture<>();
        Thread loop = new Thread(() -> {
            BlockDeviceExport.prepareEventLoopThread();
            written.complete(export.write(4096, PooledByteBufAllocator.DEFAULT.directBuffer().writeBytes(bytes),
                    false));
        }, "prepared-event-loop");
        loop.start();
        assertThat(written.get(10, TimeUnit.SECONDS)).as("written on the calling thread").isDone();
        CompletableFuture<ReadResult> read = export.read(4096, bytes.length);
        assertThat(read).as("a cached read, also without an I/O thread").isDone();
        assertThat(dataOf(read.join(), bytes.length)).isEqualTo(bytes);
        release.countDown();
        device.closeAsync().get(10, TimeUnit.SECONDS);
    }

    @Test
    void cachedReadsAreAnsweredOnTheCallingThreadAndOthersByTheDevicesIoThreads() throws Exception {
        FileBlockDevice device = FileBlockDevice.createSparse(dir.resolve("d.img"), 1 << 20, false, pool);
        BlockDeviceExport export = new BlockDeviceExport("d", "", device, false);
        byte[] bytes = new byte[65536];
        new java.util.Random(5).nextBytes(bytes);
        export.write(8192, PooledByteBufAllocator.DEFAULT.directBuffer().writeBytes(bytes), false).join();
        device.flush().join();
        CountDownLatch release = new CountDownLatch(1);
        for (int i = 0; i < pool.getMaximumPoolSize(); i++) {
            pool.execute(() -> awaitQuietly(release)); // every I/O thread busy
        }

        CompletableFuture<ReadResult> cachedRead = export.read(8192, bytes.length);
        assertThat(cachedRead).as("answered without an I/O thread").isDone();
        ReadResult cached = cachedRead.join();
        assertThat(dataOf(cached, bytes.length)).isEqualTo(bytes);

        release.countDown();
        device.advise(0, 0, Advice.DONTNEED).join();
        CountDownLatch releaseAgain = new CountDownLatch(1);
        for (int i = 0; i < pool.getMaximumPoolSize(); i++) {
            pool.execute(() -> awaitQuietly(releaseAgain));
        }
        CompletableFuture<ReadResult> uncachedRead = export.read(8192, bytes.length);
        assertThat(uncachedRead).as("waits for an I/O thread").isNotDone();
        releaseAgain.countDown();
        ReadResult uncached = uncachedRead.get(10, TimeUnit.SECONDS);
        assertThat(dataOf(uncached, bytes.length)).isEqualTo(bytes);

        device.closeAsync().get(10, TimeUnit.SECONDS); // answered reads hold nothing of the device
        cached.release();
        uncached.release();
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The bytes of a read answered as one data chunk. */
    private static byte[] dataOf(ReadResult result, int length) {
        assertThat(result.chunks()).singleElement().isInstanceOf(ReadResult.Data.class);
        ByteBuf buffer = ((ReadResult.Data) result.chunks().get(0)).buffer();
        assertThat(buffer.readableBytes()).isEqualTo(length);
        byte[] out = new byte[length];
        buffer.getBytes(buffer.readerIndex(), out);
        return out;
    }

    @Test
    void longReadsCachedOrNotAreReadByTheDevicesIoThreadsSoTheCallingThreadOnlySendsThem() throws Exception {
        try (FileBlockDevice device = FileBlockDevice.createSparse(dir.resolve("l.img"), 4 << 20, false, pool)) {
            BlockDeviceExport export = new BlockDeviceExport("l", "", device, false);
            byte[] bytes = new byte[HoleChunks.MIN_PROBED_LENGTH * 4];
            new java.util.Random(9).nextBytes(bytes);
            export.write(0, PooledByteBufAllocator.DEFAULT.directBuffer().writeBytes(bytes), false).join();
            device.flush().join();

            for (boolean cached : new boolean[] {true, false}) {
                if (!cached) {
                    device.advise(0, 0, Advice.DONTNEED).join();
                }
                CountDownLatch release = new CountDownLatch(1);
                for (int i = 0; i < pool.getMaximumPoolSize(); i++) {
                    pool.execute(() -> awaitQuietly(release)); // every I/O thread busy
                }
                CompletableFuture<ReadResult> read = export.read(0, bytes.length);
                assertThat(read).as("cached %s: waits for an I/O thread", cached).isNotDone();
                release.countDown();
                ReadResult result = read.get(10, TimeUnit.SECONDS);
                assertThat(dataOf(result, bytes.length)).as("cached %s", cached).isEqualTo(bytes);
                result.release();
            }
        }
    }

    @Test
    void blockStatusOfASparseFileSeparatesDataFromHoles() throws Exception {
        try (FileBlockDevice device = FileBlockDevice.createSparse(dir.resolve("s.img"), 1 << 20, false, pool)) {
            BlockDeviceExport export = new BlockDeviceExport("s", "", device, false);
            export.write(65536, PooledByteBufAllocator.DEFAULT.directBuffer().writeZero(4096).writeByte(1), false)
                    .join();
            assertThat(export.blockStatus(0, 1 << 20).join()).startsWith(
                    BlockStatusExtent.hole(65536), new BlockStatusExtent(8192, 0));
            assertThat(export.blockStatus(0, 1 << 20).join()).last()
                    .extracting(BlockStatusExtent::flags).isEqualTo(NbdConstants.NBD_STATE_HOLE | NbdConstants.NBD_STATE_ZERO);
        }
    }

    @Test
    void longReadsOfASparseFileAnswerHolesBesideDataSlicesOfOneBuffer() throws Exception {
        try (FileBlockDevice device = FileBlockDevice.createSparse(dir.resolve("h.img"), 4 << 20, false, pool)) {
            BlockDeviceExport export = new BlockDeviceExport("h", "", device, false);
            export.write(1 << 20, PooledByteBufAllocator.DEFAULT.directBuffer().writeBytes(new byte[65536])
                    .setByte(7, 1).writerIndex(65536), false).join();
            export.write(3 << 20, PooledByteBufAllocator.DEFAULT.directBuffer().writeByte(2), false).join();

            for (boolean cached : new boolean[] {true, false}) {
                if (!cached) {
                    device.flush().join();
                    device.advise(0, 0, Advice.DONTNEED).join();
                }
                ReadResult result = export.read(512 << 10, 3 << 20).get(10, TimeUnit.SECONDS);
                assertThat(result.chunks()).as("cached %s", cached).extracting(c -> c.getClass().getSimpleName(),
                        ReadResult.Chunk::offset, ReadResult.Chunk::length).containsExactly(
                        tuple("Hole", 512L << 10, 512 << 10), tuple("Data", 1L << 20, 65536),
                        tuple("Hole", (1L << 20) + 65536, (2 << 20) - 65536), tuple("Data", 3L << 20, 4096),
                        tuple("Hole", (3L << 20) + 4096, (512 << 10) - 4096));
                ByteBuf first = ((ReadResult.Data) result.chunks().get(1)).buffer();
                ByteBuf second = ((ReadResult.Data) result.chunks().get(3)).buffer();
                assertThat(first.getByte(first.readerIndex() + 7)).isEqualTo((byte) 1);
                assertThat(second.getByte(second.readerIndex())).isEqualTo((byte) 2);
                result.release();
                assertThat(first.refCnt()).as("the slices shared one buffer, released with the last").isZero();
            }
        }
    }

    @Test
    void aReadAllInAHoleIsOneHoleAndAShortReadIsNotProbed() throws Exception {
        try (FileBlockDevice device = FileBlockDevice.createSparse(dir.resolve("e.img"), 1 << 20, false, pool)) {
            BlockDeviceExport export = new BlockDeviceExport("e", "", device, false);

            ReadResult hole = export.read(0, 1 << 20).join();
            assertThat(hole.chunks()).singleElement().isEqualTo(new ReadResult.Hole(0, 1 << 20));
            ReadResult shortRead = export.read(0, HoleChunks.MIN_PROBED_LENGTH - 512).join();
            assertThat(dataOf(shortRead, HoleChunks.MIN_PROBED_LENGTH - 512))
                    .isEqualTo(new byte[HoleChunks.MIN_PROBED_LENGTH - 512]);
            shortRead.release();
        }
    }

    @Test
    void readsAndBlockStatusPastTheEndOfAFileShortenedUnderneathSeeZeroesAndHoles() throws Exception {
        Path file = dir.resolve("s.img");
        try (FileBlockDevice device = FileBlockDevice.createSparse(file, 1 << 20, false, pool)) {
            BlockDeviceExport export = new BlockDeviceExport("s", "", device, false);
            byte[] bytes = new byte[16384];
            new java.util.Random(7).nextBytes(bytes);
            export.write(65536, PooledByteBufAllocator.DEFAULT.directBuffer().writeBytes(bytes), false).join();
            device.flush().join();
            try (java.io.RandomAccessFile raf = new java.io.RandomAccessFile(file.toFile(), "rw")) {
                raf.setLength(65536 + 4096);   // someone else cuts the file inside the written range
            }

            for (int length : new int[] {8192, HoleChunks.MIN_PROBED_LENGTH, 1 << 18}) {
                ReadResult read = export.read(65536, length).join();
                byte[] expected = new byte[length];
                System.arraycopy(bytes, 0, expected, 0, 4096);
                assertThat(bytesOf(read, 65536, length)).as("a read of %d bytes across the cut", length)
                        .isEqualTo(expected);
                read.release();
            }
            assertThat(export.blockStatus(65536 + 4096, 8192).join()).as("past the cut")
                    .allSatisfy(e -> assertThat(e.flags() & NbdConstants.NBD_STATE_HOLE).isNotZero());
        }
    }
}
