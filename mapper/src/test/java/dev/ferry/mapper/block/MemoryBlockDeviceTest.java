package dev.ferry.mapper.block;

import static dev.ferry.mapper.block.TestIo.await;
import static dev.ferry.mapper.block.TestIo.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** {@link MemoryBlockDevice}: the shared contract plus its page accounting. */
class MemoryBlockDeviceTest extends BlockDeviceContractTest {

    private static final int PAGE = MemoryBlockDevice.PAGE;

    @Override
    protected BlockDevice create(long size) {
        return new MemoryBlockDevice("test", size);
    }

    private MemoryBlockDevice memory() {
        return (MemoryBlockDevice) device;
    }

    @Test
    void writesAllocateWholePagesAndDiscardFreesOnlyWholePages() {
        write(device, PAGE - 1, new byte[2]);
        assertThat(memory().allocatedPages()).isEqualTo(2);
        await(device.discard(PAGE - 1, PAGE));
        assertThat(memory().allocatedPages()).isEqualTo(2);
        await(device.discard(0, 2 * PAGE));
        assertThat(memory().allocatedPages()).isZero();
    }

    @Test
    void zeroingWithoutUnmapKeepsPagesAllocated() {
        await(device.writeZeroes(0, 4 * PAGE, false));
        assertThat(memory().allocatedPages()).isEqualTo(4);
        await(device.writeZeroes(0, 4 * PAGE, true));
        assertThat(memory().allocatedPages()).isZero();
    }

    @Test
    void allocationReportsPagesExactly() {
        write(device, 2 * PAGE, new byte[PAGE]);
        write(device, 5 * PAGE + 10, new byte[1]);
        assertThat(await(device.allocation(0, 8 * PAGE))).containsExactly(
                Extent.hole(0, 2 * PAGE), Extent.data(2 * PAGE, PAGE), Extent.hole(3 * PAGE, 2 * PAGE),
                Extent.data(5 * PAGE, PAGE), Extent.hole(6 * PAGE, 2 * PAGE));
    }

    @Test
    void describesItselfAndZeroesFast() {
        assertThat(device.describe()).isEqualTo("memory:test");
        assertThat(device.fastZeroes()).isTrue();
        assertThat(device.size()).isEqualTo(SIZE);
    }

    @Test
    void refusesSizesItCannotIndex() {
        assertThatThrownBy(() -> new MemoryBlockDevice("huge", Long.MAX_VALUE))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new MemoryBlockDevice("negative", -1)).isInstanceOf(IllegalArgumentException.class);
    }
}
