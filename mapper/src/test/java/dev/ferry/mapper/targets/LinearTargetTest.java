package dev.ferry.mapper.targets;

import static dev.ferry.mapper.targets.TestDevices.await;
import static dev.ferry.mapper.targets.TestDevices.pattern;
import static dev.ferry.mapper.targets.TestDevices.read;
import static dev.ferry.mapper.targets.TestDevices.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.mapper.block.Extent;
import dev.ferry.mapper.block.FileSpan;
import dev.ferry.mapper.block.MemoryBlockDevice;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LinearTargetTest {

    private final TestDevices devices = new TestDevices();

    @Test
    void mapsOffsetsOntoTheDeviceAtTheStartSector() {
        MemoryBlockDevice a = devices.memory("a", 64);
        Target t = LinearTarget.TYPE.create(16, List.of("a", "8"), devices);
        byte[] data = pattern(1024, 1);
        write(t, 512, data);
        assertThat(read(a, 8 * 512 + 512, 1024)).isEqualTo(data);
        assertThat(read(t, 512, 1024)).isEqualTo(data);
        assertThat(t.size()).isEqualTo(16 * 512);
        assertThat(t.params()).isEqualTo("a 8");
        assertThat(t.status()).isEmpty();
        assertThat(t.type()).isEqualTo("linear");
    }

    @Test
    void allocationIsRelativeToTheTargetStart() {
        MemoryBlockDevice a = devices.memory("a", 64);
        Target t = LinearTarget.TYPE.create(32, List.of("a", "16"), devices);
        write(a, 16 * 512 + 4096, pattern(4096, 2));
        List<Extent> extents = await(t.allocation(0, 16 * 512));
        assertThat(extents).containsExactly(Extent.hole(0, 4096), Extent.data(4096, 4096));
    }

    @Test
    void discardAndZeroesPassThrough() {
        MemoryBlockDevice a = devices.memory("a", 64);
        Target t = LinearTarget.TYPE.create(16, List.of("a", "8"), devices);
        write(a, 8 * 512, pattern(8192, 3));
        await(t.writeZeroes(0, 4096, false));
        await(t.discard(4096, 4096));
        assertThat(read(a, 8 * 512, 8192)).isEqualTo(new byte[8192]);
        assertThat(t.fastZeroes()).isTrue();
    }

    @Test
    void fileSpanPassesThroughShiftedAndPinsTheDevice(@TempDir Path dir) {
        ChannelDevice c = devices.add("f", new ChannelDevice(dir.resolve("f"), 64 * 512));
        Target t = LinearTarget.TYPE.create(16, List.of("f", "4"), devices);
        Optional<FileSpan> span = t.fileSpan(1024, 2048);
        assertThat(span).isPresent();
        assertThat(span.get().position()).isEqualTo(4 * 512 + 1024);
        assertThat(span.get().length()).isEqualTo(2048);
        assertThat(c.pins()).isEqualTo(1);
        span.get().close();
        assertThat(c.pins()).isZero();
        c.close();
    }

    @Test
    void rejectsBadArguments() {
        devices.memory("a", 64);
        assertThatThrownBy(() -> LinearTarget.TYPE.create(16, List.of("a"), devices))
                .hasMessage("linear: expected 2 arguments, got 1");
        assertThatThrownBy(() -> LinearTarget.TYPE.create(16, List.of("a", "-1"), devices))
                .hasMessage("offset of device 'a' '-1' is not an unsigned decimal number");
        assertThatThrownBy(() -> LinearTarget.TYPE.create(16, List.of("b", "0"), devices))
                .hasMessage("device 'b' unknown: no such device");
        assertThatThrownBy(() -> LinearTarget.TYPE.create(16, List.of("a", "49"), devices))
                .hasMessage("mapping of 16 sectors at offset 49 lies outside device 'a' of 64 sectors");
        assertThatThrownBy(() -> LinearTarget.TYPE.create(65, List.of("a", "0"), devices))
                .hasMessage("mapping of 65 sectors at offset 0 lies outside device 'a' of 64 sectors");
    }
}
