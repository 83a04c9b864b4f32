package dev.ferry.daemon.export;

import static dev.ferry.nbd.NbdConstants.NBD_EINVAL;
import static dev.ferry.nbd.NbdConstants.NBD_ENOTSUP;
import static dev.ferry.nbd.NbdConstants.NBD_EPERM;
import static dev.ferry.nbd.NbdConstants.NBD_ESHUTDOWN;
import static dev.ferry.nbd.NbdConstants.NBD_STATE_HOLE;
import static dev.ferry.nbd.NbdConstants.NBD_STATE_ZERO;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.mapper.block.Extent;
import dev.ferry.mapper.block.MemoryBlockDevice;
import dev.ferry.nbd.export.BlockStatusExtent;
import dev.ferry.nbd.export.ExportException;
import dev.ferry.nbd.export.ReadResult;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class BlockDeviceExportTest {

    private static final int MIB = 1 << 20;

    private final TrackingAllocator allocator = new TrackingAllocator();
    private final MemoryBlockDevice device = new MemoryBlockDevice("t", 8 * MIB);
    private final BlockDeviceExport export = new BlockDeviceExport("disk", "test disk", device, false, allocator);

    @AfterEach
    void everyBufferReleased() {
        assertThat(allocator.live()).as("buffers from the export's allocator still referenced").isZero();
    }

    @Test
    void readReturnsWrittenBytesInAPooledDirectBufferTheCallerReleases() {
        ByteBuf payload = pattern(10_000, 7);
        ByteBuf expected = payload.copy();
        export.write(4095, payload, false).join();
        assertThat(payload.refCnt()).isZero();

        ReadResult result = export.read(4095, 10_000).join();
        assertThat(result.chunks()).singleElement().isInstanceOf(ReadResult.Data.class);
        ReadResult.Data data = (ReadResult.Data) result.chunks().get(0);
        assertThat(data.offset()).isEqualTo(4095);
        assertThat(data.buffer().isDirect()).isTrue();
        assertThat(data.buffer()).isEqualTo(expected);
        assertThat(allocator.live()).isOne();
        result.release();
        expected.release();
    }

    @Test
    void zeroLengthReadAllocatesNothing() {
        ReadResult result = export.read(0, 0).join();
        assertThat(result.chunks()).singleElement().extracting(ReadResult.Chunk::length).isEqualTo(0);
        result.release();
        assertThat(allocator.allocatedCount()).isZero();
    }

    @Test
    void failedReadReleasesItsBufferAndReportsEinval() {
        assertNbdError(export.read(8 * MIB - 10, 20), NBD_EINVAL);
        assertThat(allocator.allocatedCount()).isOne();
    }

    @Test
    void readOfAClosedDeviceReleasesItsBufferAndReportsEshutdown() {
        device.close();
        assertNbdError(export.read(0, 4096), NBD_ESHUTDOWN);
        assertThat(allocator.allocatedCount()).isOne();
    }

    @Test
    void compositeAndHeapPayloadsAreCopiedOnceAndReleasedExactlyOnce() {
        CompositeByteBuf composite = Unpooled.compositeBuffer();
        composite.addComponent(true, pattern(3000, 1));
        composite.addComponent(true, Unpooled.wrappedBuffer(new byte[] {9, 8, 7}));
        composite.addComponent(true, pattern(5000, 2));
        ByteBuf expected = composite.copy();
        export.write(MIB - 1500, composite, true).join();
        assertThat(composite.refCnt()).isZero();

        ByteBuf heap = Unpooled.buffer(100).writeBytes(expected, 0, 100);
        export.write(0, heap, false).join();
        assertThat(heap.refCnt()).isZero();

        assertRead(MIB - 1500, expected);
        assertRead(0, expected.slice(0, 100));
        expected.release();
    }

    @Test
    void failedWriteReleasesThePayloadAndItsCopy() {
        ByteBuf direct = pattern(64, 3);
        assertNbdError(export.write(8 * MIB - 32, direct, false), NBD_EINVAL);
        assertThat(direct.refCnt()).isZero();

        CompositeByteBuf composite = Unpooled.compositeBuffer();
        composite.addComponents(true, pattern(16, 4), pattern(16, 5));
        assertNbdError(export.write(8 * MIB - 16, composite, false), NBD_EINVAL);
        assertThat(composite.refCnt()).isZero();
        assertThat(allocator.allocatedCount()).isOne();
    }

    @Test
    void readOnlyExportRefusesWritesTrimsAndZeroesWithEpermAndReleasesThePayload() {
        BlockDeviceExport ro = new BlockDeviceExport("ro", "", device, true, allocator);
        assertThat(ro.capabilities().readOnly()).isTrue();
        ByteBuf payload = pattern(512, 6);
        assertNbdError(ro.write(0, payload, false), NBD_EPERM);
        assertThat(payload.refCnt()).isZero();
        assertNbdError(ro.trim(0, 4096, false), NBD_EPERM);
        assertNbdError(ro.writeZeroes(0, 4096, false, false, false), NBD_EPERM);
        assertThat(device.allocatedPages()).isZero();
    }

    @Test
    void trimAndZeroesShowUpInBlockStatusAndReadBackAsZeroes() {
        export.write(0, pattern(3 * 4096, 9), false).join();
        export.trim(4096, 4096, true).join();
        assertThat(export.blockStatus(0, 3 * 4096).join()).containsExactly(
                BlockStatusExtent.data(4096), BlockStatusExtent.hole(4096), BlockStatusExtent.data(4096));

        export.writeZeroes(0, 3 * 4096, true, false, true).join();
        assertThat(export.blockStatus(0, 3 * 4096).join())
                .as("NO_HOLE keeps the range allocated").allMatch(e -> (e.flags() & NBD_STATE_HOLE) == 0);
        ByteBuf zeroes = Unpooled.buffer(3 * 4096).writeZero(3 * 4096);
        assertRead(0, zeroes);

        export.writeZeroes(0, 3 * 4096, false, true, false).join();
        assertThat(export.blockStatus(0, 8 * MIB).join()).containsExactly(BlockStatusExtent.hole(8 * MIB));
    }

    @Test
    void fastZeroOnADeviceThatCannotZeroQuicklyIsEnotsupAndChangesNothing() {
        BlockDeviceExport slow = new BlockDeviceExport("slow", "", new SlowZeroingDevice(device), false, allocator);
        slow.write(0, pattern(4096, 1), false).join();
        assertNbdError(slow.writeZeroes(0, 4096, false, true, false), NBD_ENOTSUP);
        assertThat(device.allocatedPages()).isOne();
        slow.writeZeroes(0, 4096, false, false, false).join();
        assertThat(device.allocatedPages()).isZero();
    }

    @Test
    void blockStatusMapsExtentKindsAndMergesEqualNeighbours() {
        List<Extent> extents = List.of(Extent.data(0, 10), Extent.data(10, 5), Extent.hole(15, 5),
                new Extent(20, 5, false, false), new Extent(25, 5, true, true), Extent.hole(30, 2));
        assertThat(BlockDeviceExport.toBlockStatus(extents, 32)).containsExactly(
                new BlockStatusExtent(15, 0),
                new BlockStatusExtent(5, NBD_STATE_HOLE | NBD_STATE_ZERO),
                new BlockStatusExtent(5, NBD_STATE_HOLE),
                new BlockStatusExtent(5, NBD_STATE_ZERO),
                new BlockStatusExtent(2, NBD_STATE_HOLE | NBD_STATE_ZERO));
        assertThat(BlockDeviceExport.toBlockStatus(List.of(), 7)).containsExactly(BlockStatusExtent.data(7));
    }

    @Test
    void flushFailsWithEshutdownOnceTheDeviceIsClosed() {
        export.flush().join();
        device.close();
        assertNbdError(export.flush(), NBD_ESHUTDOWN);
        assertNbdError(export.trim(0, 4096, false), NBD_ESHUTDOWN);
        assertNbdError(export.blockStatus(0, 4096), NBD_ESHUTDOWN);
    }

    @Test
    void advertisesEverythingAFileSupportsIncludingMultiConn() {
        assertThat(export.capabilities().multiConn()).isTrue();
        assertThat(export.capabilities().readOnly()).isFalse();
        assertThat(export.capabilities().fastZero()).isTrue();
        assertThat(export.size()).isEqualTo(8 * MIB);
        assertThat(export.description()).isEqualTo("test disk");
        export.clientAttached();
        assertThat(export.attachedClients()).isOne();
        export.clientDetached();
        assertThat(export.attachedClients()).isZero();
    }

    private void assertRead(long offset, ByteBuf expected) {
        ReadResult result = export.read(offset, expected.readableBytes()).join();
        try {
            assertThat(((ReadResult.Data) result.chunks().get(0)).buffer()).isEqualTo(expected);
        } finally {
            result.release();
        }
    }

    private static void assertNbdError(CompletableFuture<?> future, int nbdError) {
        assertThatThrownBy(future::join).cause().isInstanceOfSatisfying(ExportException.class,
                e -> assertThat(e.nbdError()).isEqualTo(nbdError));
    }

    private static ByteBuf pattern(int length, int seed) {
        ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(length);
        for (int i = 0; i < length; i++) {
            b.writeByte((i * 31 + seed) & 0xff);
        }
        return b;
    }
}
