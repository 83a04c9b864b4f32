package dev.ferry.nbd.server;

import static dev.ferry.nbd.NbdConstants.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every command over simple, structured and extended replies, against a real server. */
class TransmissionEndToEndTest extends ServerFixture {

    @BeforeEach
    void start() throws InterruptedException {
        startServer(ConnectionLimits.DEFAULT);
    }

    @Test
    void simpleRepliesCarryReadDataIncludingHolesAsZeroes() throws Exception {
        try (RawClient c = connect(false, false, false)) {
            assertThat(c.exportSize).isEqualTo(SIZE);
            assertThat(c.transmissionFlags & NBD_FLAG_SEND_DF).isZero();
            byte[] data = pattern(8192, 1);
            c.request(NBD_CMD_FLAG_FUA, NBD_CMD_WRITE, 1, 4096, data.length, data);
            assertThat(c.readSimple()).containsExactly(1, 0);
            c.request(0, NBD_CMD_READ, 2, 0, 16384);
            assertThat(c.readSimple()).containsExactly(2, 0);
            byte[] back = new byte[16384];
            c.in.readFully(back);
            assertThat(Arrays.copyOfRange(back, 4096, 12288)).isEqualTo(data);
            assertThat(Arrays.copyOfRange(back, 0, 4096)).isEqualTo(new byte[4096]);
        }
    }

    @Test
    void anExtendedReadAbove32BitsGetsOneErrorChunkAndTheStreamStaysInSync() throws Exception {
        try (RawClient c = connect(true, true, false)) {
            c.request(0, NBD_CMD_READ, 3, 0, (1L << 32) + 512); // would read 512 bytes if truncated to 32 bits
            List<RawClient.Chunk> chunks = c.readChunks();
            assertThat(chunks).hasSize(1);
            assertThat(chunks.get(0).type()).isEqualTo(NBD_REPLY_TYPE_ERROR);
            assertThat(chunks.get(0).error()).isEqualTo(NBD_EINVAL);
            assertThat(chunks.get(0).offset()).as("echoes the request offset").isZero();
            c.request(0, NBD_CMD_READ, 4, 0, 512);
            assertThat(c.readStructuredData(0, 512)).hasSize(512);
        }
    }

    @Test
    void structuredReadsSendDataAndHoleChunksEndingWithDone() throws Exception {
        disk.write(4096, io.netty.buffer.Unpooled.wrappedBuffer(pattern(4096, 9)), false).get();
        try (RawClient c = connect(true, false, true)) {
            assertThat(c.transmissionFlags & NBD_FLAG_SEND_DF).isNotZero();
            c.request(0, NBD_CMD_READ, 5, 0, 12288);
            List<RawClient.Chunk> chunks = c.readChunks();
            assertThat(chunks).extracting(RawClient.Chunk::type).containsExactly(
                    NBD_REPLY_TYPE_OFFSET_HOLE, NBD_REPLY_TYPE_OFFSET_DATA, NBD_REPLY_TYPE_OFFSET_HOLE);
            assertThat(chunks).extracting(RawClient.Chunk::cookie).containsOnly(5L);
            assertThat(chunks.get(2).done()).isTrue();
            assertThat(Arrays.copyOfRange(chunks.get(1).payload(), 8, 4104)).isEqualTo(pattern(4096, 9));

            c.request(NBD_CMD_FLAG_DF, NBD_CMD_READ, 6, 0, 12288);
            List<RawClient.Chunk> df = c.readChunks();
            assertThat(df).hasSize(1);
            assertThat(df.get(0).type()).isEqualTo(NBD_REPLY_TYPE_OFFSET_DATA);
            assertThat(df.get(0).payload()).hasSize(8 + 12288);

            c.request(0, NBD_CMD_READ, 7, 0, 0);
            List<RawClient.Chunk> empty = c.readChunks();
            assertThat(empty).extracting(RawClient.Chunk::type).containsExactly(NBD_REPLY_TYPE_NONE);
        }
    }

    @Test
    void extendedReadsSendThirtyTwoByteHoleAndDataChunksEchoingTheRequestOffset() throws Exception {
        disk.write(8192, io.netty.buffer.Unpooled.wrappedBuffer(pattern(4096, 3)), false).get();
        try (RawClient c = connect(true, true, true)) {
            c.request(0, NBD_CMD_READ, 8, 4096, 12288);
            List<RawClient.Chunk> chunks = c.readChunks();
            assertThat(chunks).extracting(RawClient.Chunk::type).containsExactly(
                    NBD_REPLY_TYPE_OFFSET_HOLE, NBD_REPLY_TYPE_OFFSET_DATA, NBD_REPLY_TYPE_OFFSET_HOLE);
            assertThat(chunks).extracting(RawClient.Chunk::offset).containsOnly(4096L);
            assertThat(chunks).extracting(RawClient.Chunk::done).containsExactly(false, false, true);
            assertThat(ByteBuffer.wrap(chunks.get(0).payload()).getLong()).isEqualTo(4096);
            assertThat(ByteBuffer.wrap(chunks.get(0).payload(), 8, 4).getInt()).isEqualTo(4096);
            assertThat(ByteBuffer.wrap(chunks.get(1).payload()).getLong()).isEqualTo(8192);
            assertThat(Arrays.copyOfRange(chunks.get(1).payload(), 8, 4104)).isEqualTo(pattern(4096, 3));
            assertThat(ByteBuffer.wrap(chunks.get(2).payload()).getLong()).isEqualTo(12288);

            c.request(NBD_CMD_FLAG_DF, NBD_CMD_READ, 9, 4096, 12288);
            List<RawClient.Chunk> df = c.readChunks();
            assertThat(df).singleElement().extracting(RawClient.Chunk::type).isEqualTo(NBD_REPLY_TYPE_OFFSET_DATA);
            assertThat(Arrays.copyOfRange(df.get(0).payload(), 8 + 4096, 8 + 8192)).isEqualTo(pattern(4096, 3));
            assertThat(Arrays.copyOfRange(df.get(0).payload(), 8, 8 + 4096)).isEqualTo(new byte[4096]);
        }
    }

    @Test
    void blockStatusAnswersEverySelectedContextInIdOrderWithDoneOnTheLast() throws Exception {
        disk.offerContext("qemu:dirty-bitmap:b0", List.of(new dev.ferry.nbd.export.BlockStatusExtent(65536, 1),
                new dev.ferry.nbd.export.BlockStatusExtent(SIZE, 0)));
        try (RawClient c = new RawClient(port).negotiate("disk", true, false, "qemu:dirty-bitmap:b0",
                BASE_ALLOCATION)) {
            c.request(0, NBD_CMD_BLOCK_STATUS, 11, 0, 131072);
            List<RawClient.Chunk> chunks = c.readChunks();
            assertThat(chunks).extracting(RawClient.Chunk::type).containsOnly(NBD_REPLY_TYPE_BLOCK_STATUS);
            assertThat(chunks).extracting(RawClient.Chunk::done).containsExactly(false, true);
            ByteBuffer base = ByteBuffer.wrap(chunks.get(0).payload());
            assertThat(base.getInt()).isEqualTo(OptionNegotiator.BASE_ALLOCATION_ID);
            ByteBuffer dirty = ByteBuffer.wrap(chunks.get(1).payload());
            assertThat(new int[] {dirty.getInt(), dirty.getInt(), dirty.getInt(), dirty.getInt(), dirty.getInt()})
                    .containsExactly(OptionNegotiator.BASE_ALLOCATION_ID + 1, 65536, 1, 65536, 0);

            disk.offerContext("qemu:dirty-bitmap:b0", null);
            c.request(0, NBD_CMD_BLOCK_STATUS, 12, 0, 4096);
            assertThat(c.readSimple()).as("a context withdrawn after selection").containsExactly(12, NBD_EINVAL);
        }
    }

    @Test
    void blockStatusReportsMergedExtentsAndHonoursReqOne() throws Exception {
        disk.write(8192, io.netty.buffer.Unpooled.wrappedBuffer(pattern(8192, 2)), false).get();
        try (RawClient c = connect(true, false, true)) {
            c.request(0, NBD_CMD_BLOCK_STATUS, 9, 0, 65536);
            RawClient.Chunk bs = c.readChunk();
            assertThat(bs.type()).isEqualTo(NBD_REPLY_TYPE_BLOCK_STATUS);
            assertThat(bs.done()).isTrue();
            ByteBuffer b = ByteBuffer.wrap(bs.payload());
            assertThat(b.getInt()).isEqualTo(OptionNegotiator.BASE_ALLOCATION_ID);
            assertThat(new int[] {b.getInt(), b.getInt(), b.getInt(), b.getInt(), b.getInt(), b.getInt()})
                    .containsExactly(8192, 3, 8192, 0, 65536 - 16384, 3);
            c.request(NBD_CMD_FLAG_REQ_ONE, NBD_CMD_BLOCK_STATUS, 10, 0, 65536);
            RawClient.Chunk one = c.readChunk();
            assertThat(one.payload()).hasSize(12);
            assertThat(ByteBuffer.wrap(one.payload(), 4, 8).getInt()).isEqualTo(8192);
        }
    }

    @Test
    void flushTrimZeroAndCacheSucceedAndChangeTheExport() throws Exception {
        try (RawClient c = connect(true, false, true)) {
            c.request(0, NBD_CMD_WRITE, 1, 0, 8192, pattern(8192, 4));
            assertThat(c.readSimple()).containsExactly(1, 0);
            c.request(0, NBD_CMD_FLUSH, 2, 0, 0);
            assertThat(c.readSimple()).containsExactly(2, 0);
            c.request(0, NBD_CMD_TRIM, 3, 0, 4096);
            assertThat(c.readSimple()).containsExactly(3, 0);
            assertThat(disk.allocated(0)).isFalse();
            c.request(NBD_CMD_FLAG_NO_HOLE | NBD_CMD_FLAG_FAST_ZERO, NBD_CMD_WRITE_ZEROES, 4, 4096, 4096);
            assertThat(c.readSimple()).containsExactly(4, 0);
            assertThat(disk.allocated(4096)).isTrue();
            assertThat(disk.contents(4096, 4096)).isEqualTo(new byte[4096]);
            c.request(0, NBD_CMD_CACHE, 5, 0, 8192);
            assertThat(c.readSimple()).containsExactly(5, 0);
            assertThat(disk.calls(dev.ferry.nbd.testing.MemoryExport.Op.CACHE)).isEqualTo(1);
        }
    }

    @Test
    void extendedHeadersUseThirtyTwoByteChunksEchoingTheOffset() throws Exception {
        try (RawClient c = connect(true, true, true)) {
            byte[] data = pattern(4096, 5);
            c.request(NBD_CMD_FLAG_PAYLOAD_LEN, NBD_CMD_WRITE, 1, 8192, data.length, data);
            RawClient.Chunk w = c.readChunk();
            assertThat(w.type()).isEqualTo(NBD_REPLY_TYPE_NONE);
            assertThat(w.offset()).isEqualTo(8192);
            assertThat(w.done()).isTrue();
            c.request(0, NBD_CMD_READ, 2, 8192, 4096);
            assertThat(c.readStructuredData(8192, 4096)).isEqualTo(data);
            c.request(0, NBD_CMD_BLOCK_STATUS, 3, 0, 3L * 1024 * 1024);
            RawClient.Chunk bs = c.readChunk();
            assertThat(bs.type()).isEqualTo(NBD_REPLY_TYPE_BLOCK_STATUS_EXT);
            ByteBuffer b = ByteBuffer.wrap(bs.payload());
            assertThat(b.getInt()).isEqualTo(OptionNegotiator.BASE_ALLOCATION_ID);
            assertThat(b.getInt()).isEqualTo(3);
            assertThat(new long[] {b.getLong(), b.getLong(), b.getLong(), b.getLong(), b.getLong(), b.getLong()})
                    .containsExactly(8192, 3, 4096, 0, 3L * 1024 * 1024 - 12288, 3);
            c.request(0, NBD_CMD_READ, 4, SIZE, 4096);
            RawClient.Chunk err = c.readChunk();
            assertThat(err.type()).isEqualTo(NBD_REPLY_TYPE_ERROR);
            assertThat(err.error()).isEqualTo(NBD_EINVAL);
            c.request(0, NBD_CMD_FLUSH, 5, 0, 0);
            assertThat(c.readChunk().type()).isEqualTo(NBD_REPLY_TYPE_NONE);
        }
    }

    @Test
    void requestsAreValidatedWithTheSpecErrors() throws Exception {
        try (RawClient c = connect(true, false, false)) {
            c.request(0, NBD_CMD_READ, 1, SIZE - 512, 1024);
            assertThat(c.readChunk().error()).as("read past end").isEqualTo(NBD_EINVAL);
            c.request(0, NBD_CMD_WRITE, 2, SIZE - 512, 1024, new byte[1024]);
            assertThat(c.readSimple()).as("write past end").containsExactly(2, NBD_ENOSPC);
            c.request(0, NBD_CMD_WRITE_ZEROES, 3, SIZE, 1);
            assertThat(c.readSimple()).containsExactly(3, NBD_ENOSPC);
            c.request(0, NBD_CMD_TRIM, 4, SIZE, 1);
            assertThat(c.readSimple()).containsExactly(4, NBD_EINVAL);
            c.request(NBD_CMD_FLAG_NO_HOLE, NBD_CMD_READ, 5, 0, 512);
            assertThat(c.readChunk().error()).as("NO_HOLE on READ").isEqualTo(NBD_EINVAL);
            c.request(0, 99, 6, 0, 0);
            assertThat(c.readSimple()).as("unknown command").containsExactly(6, NBD_EINVAL);
            c.request(0, NBD_CMD_BLOCK_STATUS, 7, 0, 512);
            assertThat(c.readSimple()).as("no meta context").containsExactly(7, NBD_EINVAL);
            c.request(0, NBD_CMD_WRITE, 8, 0, 40L * 1024 * 1024, new byte[40 * 1024 * 1024]);
            assertThat(c.readSimple()).as("40 MiB write past the end; its payload is skipped")
                    .containsExactly(8, NBD_ENOSPC);
            c.request(0, NBD_CMD_READ, 9, 0, 0);
            assertThat(c.readChunk().type()).as("zero-length read").isEqualTo(NBD_REPLY_TYPE_NONE);
            c.request(0, NBD_CMD_WRITE_ZEROES, 10, 0, 3L * 1024 * 1024);
            assertThat(c.readSimple()).as("zeroes beyond max payload").containsExactly(10, 0);
        }
        try (RawClient c = new RawClient(port).negotiate("disk", false, false, false)) {
            c.request(NBD_CMD_FLAG_DF, NBD_CMD_READ, 1, 0, 512);
            assertThat(c.readSimple()).as("DF without SR").containsExactly(1, NBD_EINVAL);
        }
        try (RawClient c = new RawClient(port).negotiate("nofastzero", false, false, false)) {
            c.request(NBD_CMD_FLAG_FAST_ZERO, NBD_CMD_WRITE_ZEROES, 1, 0, 512);
            assertThat(c.readSimple()).as("FAST_ZERO not advertised").containsExactly(1, NBD_EINVAL);
        }
        try (RawClient c = new RawClient(port).negotiate("aligned", false, false, false)) {
            c.request(0, NBD_CMD_READ, 1, 100, 512);
            assertThat(c.readSimple()).as("unaligned").containsExactly(1, NBD_EINVAL);
        }
        try (RawClient c = new RawClient(port).negotiate("ro", false, false, false)) {
            c.request(0, NBD_CMD_WRITE, 1, 0, 512, new byte[512]);
            assertThat(c.readSimple()).as("read-only").containsExactly(1, NBD_EPERM);
            c.request(0, NBD_CMD_TRIM, 2, 0, 512);
            assertThat(c.readSimple()).containsExactly(2, NBD_EPERM);
        }
        assertServerStillServes();
    }

    @Test
    void exportFailuresBecomeTheirNbdErrorOrEio() throws Exception {
        try (RawClient c = connect(true, false, false)) {
            disk.failNext(dev.ferry.nbd.testing.MemoryExport.Op.WRITE,
                    new dev.ferry.nbd.export.ExportException(NBD_ENOSPC, "full"));
            c.request(0, NBD_CMD_WRITE, 1, 0, 512, new byte[512]);
            assertThat(c.readSimple()).containsExactly(1, NBD_ENOSPC);
            disk.failNext(dev.ferry.nbd.testing.MemoryExport.Op.READ, new IllegalStateException("bug"));
            c.request(0, NBD_CMD_READ, 2, 0, 512);
            RawClient.Chunk err = c.readChunk();
            assertThat(err.type()).isEqualTo(NBD_REPLY_TYPE_ERROR);
            assertThat(err.error()).isEqualTo(NBD_EIO);
            assertThat(err.done()).isTrue();
        }
    }
}
