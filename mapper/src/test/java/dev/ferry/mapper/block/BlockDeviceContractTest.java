package dev.ferry.mapper.block;

import static dev.ferry.mapper.block.TestIo.await;
import static dev.ferry.mapper.block.TestIo.failure;
import static dev.ferry.mapper.block.TestIo.random;
import static dev.ferry.mapper.block.TestIo.read;
import static dev.ferry.mapper.block.TestIo.write;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.mapper.testing.Seeds;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Behaviour every leaf {@link BlockDevice} shares, checked against a byte-array model. */
abstract class BlockDeviceContractTest {

    static final int SIZE = 4 << 20;

    protected BlockDevice device;

    /** A fresh, all-zero device of {@code size} bytes. */
    protected abstract BlockDevice create(long size) throws Exception;

    @BeforeEach
    void openDevice() throws Exception {
        device = create(SIZE);
    }

    @AfterEach
    void closeDevice() {
        device.close();
    }

    @Test
    void randomWritesAtUnalignedOffsetsReadBack() {
        long seed = Seeds.fresh();
        Random rnd = new Random(seed);
        byte[] model = new byte[SIZE];
        for (int i = 0; i < 200; i++) {
            int len = 1 + rnd.nextInt(70_000);
            int off = rnd.nextInt(SIZE - len + 1);
            byte[] data = random(rnd, len);
            if (rnd.nextBoolean()) {
                write(device, off, data);
            } else {
                await(device.write(off, ByteBuffer.wrap(data), true));
            }
            System.arraycopy(data, 0, model, off, len);
            int checkLen = 1 + rnd.nextInt(100_000);
            int checkOff = rnd.nextInt(SIZE - checkLen + 1);
            assertThat(read(device, checkOff, checkLen)).as("seed %d step %d", seed, i)
                    .isEqualTo(Arrays.copyOfRange(model, checkOff, checkOff + checkLen));
        }
        assertThat(read(device, 0, SIZE)).as("seed %d", seed).isEqualTo(model);
    }

    @Test
    void neverWrittenRangesReadZeroes() {
        write(device, 10_000, new byte[] {1, 2, 3});
        assertThat(read(device, 0, 10_000)).containsOnly(0);
        assertThat(read(device, 10_003, SIZE - 10_003)).containsOnly(0);
        assertThat(read(device, SIZE - 1, 1)).containsExactly(0);
    }

    @Test
    void readFillsFromPositionWithoutMovingCallerBuffers() {
        write(device, 100, new byte[] {7, 8, 9});
        ByteBuffer dst = ByteBuffer.allocate(10).position(2).limit(5);
        await(device.read(100, dst));
        assertThat(dst.position()).isEqualTo(2);
        assertThat(dst.limit()).isEqualTo(5);
        assertThat(Arrays.copyOfRange(dst.array(), 0, 6)).containsExactly(0, 0, 7, 8, 9, 0);
        ByteBuffer src = ByteBuffer.wrap(new byte[] {1, 2, 3, 4}).position(1);
        await(device.write(0, src, false));
        assertThat(src.position()).isEqualTo(1);
        assertThat(read(device, 0, 3)).containsExactly(2, 3, 4);
    }

    @Test
    void discardedRangesReadZeroes() {
        byte[] data = random(new Random(1), 1 << 20);
        write(device, 0, data);
        await(device.discard(4096, 65536));
        await(device.discard(100_001, 33_333));
        byte[] expected = data.clone();
        Arrays.fill(expected, 4096, 4096 + 65536, (byte) 0);
        Arrays.fill(expected, 100_001, 100_001 + 33_333, (byte) 0);
        assertThat(read(device, 0, 1 << 20)).isEqualTo(expected);
    }

    @Test
    void writeZeroesReadsZeroesInBothModes() {
        byte[] data = random(new Random(2), 1 << 20);
        write(device, 0, data);
        await(device.writeZeroes(777, 300_000, true));
        await(device.writeZeroes(500_001, 200_000, false));
        await(device.writeZeroes(8192, 4096, false));
        byte[] expected = data.clone();
        Arrays.fill(expected, 777, 777 + 300_000, (byte) 0);
        Arrays.fill(expected, 500_001, 500_001 + 200_000, (byte) 0);
        assertThat(read(device, 0, 1 << 20)).isEqualTo(expected);
    }

    @Test
    void emptyRequestsSucceedAnywhereInRange() {
        write(device, 4096, new byte[] {1});
        await(device.read(SIZE, ByteBuffer.allocate(0)));
        await(device.write(SIZE, ByteBuffer.allocate(0), true));
        await(device.discard(4096, 0));
        await(device.writeZeroes(4096, 0, false));
        await(device.writeZeroes(SIZE, 0, true));
        assertThat(read(device, 4096, 1)).containsExactly(1);
    }

    @Test
    void fuaWritesAndFlushSucceed() {
        await(device.write(12_345, ByteBuffer.wrap(new byte[] {42}), true));
        await(device.flush());
        assertThat(read(device, 12_345, 1)).containsExactly(42);
    }

    @Test
    void requestsOutsideTheDeviceFailInvalid() {
        assertThat(failure(device.read(SIZE - 1, ByteBuffer.allocate(2))).kind())
                .isEqualTo(BlockIoException.Kind.INVALID);
        assertThat(failure(device.write(-1, ByteBuffer.allocate(1), false)).kind())
                .isEqualTo(BlockIoException.Kind.INVALID);
        assertThat(failure(device.discard(SIZE, 1)).kind()).isEqualTo(BlockIoException.Kind.INVALID);
        assertThat(failure(device.writeZeroes(0, SIZE + 1L, true)).kind()).isEqualTo(BlockIoException.Kind.INVALID);
        assertThat(failure(device.allocation(Long.MAX_VALUE, 1)).kind()).isEqualTo(BlockIoException.Kind.INVALID);
        assertThat(failure(device.write(SIZE - 10, ByteBuffer.allocate(11), false)).getMessage())
                .contains(device.describe());
    }

    @Test
    void allocationIsContiguousFromTheOffsetWithinTheLength() {
        write(device, 1 << 20, random(new Random(3), 8192));
        long offset = 12_345;
        long length = 3 << 20;
        List<Extent> extents = await(device.allocation(offset, length));
        assertThat(extents).isNotEmpty();
        long pos = offset;
        for (Extent e : extents) {
            assertThat(e.offset()).isEqualTo(pos);
            pos = e.end();
        }
        assertThat(pos).isLessThanOrEqualTo(offset + length);
        assertThat(extents).anyMatch(Extent::allocated);
    }

    @Test
    void closedDeviceRefusesWithShutdown() {
        device.close();
        assertThat(failure(device.read(0, ByteBuffer.allocate(1))).kind()).isEqualTo(BlockIoException.Kind.SHUTDOWN);
        assertThat(failure(device.flush()).kind()).isEqualTo(BlockIoException.Kind.SHUTDOWN);
    }
}
