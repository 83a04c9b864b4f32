package dev.ferry.daemon.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.ferry.mapper.block.FileBlockDevice;
import dev.ferry.mapper.block.IoExecutors;
import dev.ferry.nbd.NbdConstants;
import dev.ferry.nbd.export.BlockStatusExtent;
import dev.ferry.nbd.export.ReadResult;
import io.netty.buffer.PooledByteBufAllocator;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The adapter over a real sparse file: zero-copy reads pinned by their span, long reads split at the file's holes,
 * block status from SEEK_DATA.
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

    @Test
    void readsOfAFileAreZeroCopySpansThatKeepTheFileOpenUntilReleased() throws Exception {
        FileBlockDevice device = FileBlockDevice.createSparse(dir.resolve("d.img"), 1 << 20, false, pool);
        BlockDeviceExport export = new BlockDeviceExport("d", "", device, false);
        byte[] bytes = "zero copy".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        export.write(8192, PooledByteBufAllocator.DEFAULT.directBuffer().writeBytes(bytes), true).join();

        ReadResult result = export.read(8192, bytes.length).join();
        assertThat(result.chunks()).singleElement().isInstanceOf(ReadResult.FileData.class);
        ReadResult.FileData span = (ReadResult.FileData) result.chunks().get(0);
        assertThat(span.offset()).isEqualTo(8192);
        assertThat(span.length()).isEqualTo(bytes.length);
        ByteBuffer sent = ByteBuffer.allocate(bytes.length);
        span.channel().read(sent, span.position());
        assertThat(sent.array()).isEqualTo(bytes);

        CompletableFuture<Void> closed = device.closeAsync();
        assertThat(closed).as("an unreleased span keeps the device open").isNotDone();
        result.release();
        closed.get(10, TimeUnit.SECONDS);
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
    void longReadsOfASparseFileAnswerHolesAndKeepTheSpanPinnedUntilTheLastDataChunkIsReleased() throws Exception {
        FileBlockDevice device = FileBlockDevice.createSparse(dir.resolve("h.img"), 4 << 20, false, pool);
        BlockDeviceExport export = new BlockDeviceExport("h", "", device, false);
        export.write(1 << 20, PooledByteBufAllocator.DEFAULT.directBuffer().writeBytes(new byte[65536]).setByte(7, 1)
                .writerIndex(65536), false).join();
        export.write(3 << 20, PooledByteBufAllocator.DEFAULT.directBuffer().writeByte(2), false).join();

        ReadResult result = export.read(512 << 10, 3 << 20).join();
        assertThat(result.chunks()).extracting(c -> c.getClass().getSimpleName(), ReadResult.Chunk::offset,
                ReadResult.Chunk::length).containsExactly(
                tuple("Hole", 512L << 10, 512 << 10), tuple("FileData", 1L << 20, 65536),
                tuple("Hole", (1L << 20) + 65536, (2 << 20) - 65536), tuple("FileData", 3L << 20, 4096),
                tuple("Hole", (3L << 20) + 4096, (512 << 10) - 4096));
        ReadResult.FileData first = (ReadResult.FileData) result.chunks().get(1);
        ByteBuffer sent = ByteBuffer.allocate(8);
        first.channel().read(sent, first.position());
        assertThat(sent.get(7)).isEqualTo((byte) 1);

        CompletableFuture<Void> closed = device.closeAsync();
        result.chunks().get(1).release();
        assertThat(closed).as("the second data chunk still pins the file").isNotDone();
        result.chunks().get(3).release();
        closed.get(10, TimeUnit.SECONDS);
    }

    @Test
    void aReadAllInAHoleIsOneHoleAndAShortReadIsNotProbed() throws Exception {
        FileBlockDevice device = FileBlockDevice.createSparse(dir.resolve("e.img"), 1 << 20, false, pool);
        BlockDeviceExport export = new BlockDeviceExport("e", "", device, false);

        ReadResult hole = export.read(0, 1 << 20).join();
        assertThat(hole.chunks()).singleElement().isEqualTo(new ReadResult.Hole(0, 1 << 20));
        ReadResult shortRead = export.read(0, SparseSpanReads.MIN_PROBED_LENGTH - 512).join();
        assertThat(shortRead.chunks()).singleElement().isInstanceOf(ReadResult.FileData.class);

        CompletableFuture<Void> closed = device.closeAsync();
        assertThat(closed).as("a hole pins nothing; the short read's span does").isNotDone();
        shortRead.release();
        closed.get(10, TimeUnit.SECONDS);
    }
}
