package dev.ferry.mapper.targets;

import static dev.ferry.mapper.targets.TestDevices.await;
import static dev.ferry.mapper.targets.TestDevices.failure;
import static dev.ferry.mapper.targets.TestDevices.pattern;
import static dev.ferry.mapper.targets.TestDevices.read;
import static dev.ferry.mapper.targets.TestDevices.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.mapper.block.Extent;
import dev.ferry.mapper.block.MemoryBlockDevice;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StripedTargetTest {

    private static final int CHUNK = 4096;

    private final TestDevices devices = new TestDevices();

    private Target twoStripes() {
        devices.memory("a", 64);
        devices.memory("b", 64);
        // 32 sectors = 4 chunks of 8 sectors; 16 sectors per stripe, a from sector 8, b from sector 0
        return StripedTarget.TYPE.create(32, List.of("2", "8", "a", "8", "b", "0"), devices);
    }

    @Test
    void chunksRotateOverTheStripes() {
        Target t = twoStripes();
        byte[] data = pattern(4 * CHUNK, 5);
        write(t, 0, data);
        MemoryBlockDevice a = (MemoryBlockDevice) devices.resolve("a");
        MemoryBlockDevice b = (MemoryBlockDevice) devices.resolve("b");
        assertThat(read(a, 8 * 512, CHUNK)).isEqualTo(Arrays.copyOfRange(data, 0, CHUNK));
        assertThat(read(b, 0, CHUNK)).isEqualTo(Arrays.copyOfRange(data, CHUNK, 2 * CHUNK));
        assertThat(read(a, 8 * 512 + CHUNK, CHUNK)).isEqualTo(Arrays.copyOfRange(data, 2 * CHUNK, 3 * CHUNK));
        assertThat(read(b, CHUNK, CHUNK)).isEqualTo(Arrays.copyOfRange(data, 3 * CHUNK, 4 * CHUNK));
        assertThat(read(t, 0, 4 * CHUNK)).isEqualTo(data);
    }

    @Test
    void unalignedRequestsAreSplitAtChunkBoundaries() {
        Target t = twoStripes();
        byte[] data = pattern(CHUNK + 1000, 6);
        write(t, CHUNK - 500, data);
        MemoryBlockDevice a = (MemoryBlockDevice) devices.resolve("a");
        MemoryBlockDevice b = (MemoryBlockDevice) devices.resolve("b");
        assertThat(read(a, 8 * 512 + CHUNK - 500, 500)).isEqualTo(Arrays.copyOfRange(data, 0, 500));
        assertThat(read(b, 0, CHUNK)).isEqualTo(Arrays.copyOfRange(data, 500, 500 + CHUNK));
        assertThat(read(a, 8 * 512 + CHUNK, 500)).isEqualTo(Arrays.copyOfRange(data, 500 + CHUNK, data.length));
        ByteBuffer buf = ByteBuffer.allocate(data.length + 10).position(7);
        buf.limit(7 + data.length);
        await(t.read(CHUNK - 500, buf));
        assertThat(Arrays.copyOfRange(buf.array(), 7, 7 + data.length)).isEqualTo(data);
        await(t.writeZeroes(CHUNK - 500, data.length, false));
        assertThat(read(t, 0, 4 * CHUNK)).isEqualTo(new byte[4 * CHUNK]);
    }

    @Test
    void allocationReportsTheChunkInTargetOffsets() {
        Target t = twoStripes();
        write(t, CHUNK, pattern(CHUNK, 1));
        assertThat(await(t.allocation(CHUNK + 512, 3 * CHUNK))).containsExactly(Extent.data(CHUNK + 512, CHUNK - 512));
        assertThat(await(t.allocation(0, 3 * CHUNK))).containsExactly(Extent.hole(0, CHUNK));
    }

    @Test
    void fileSpanOnlyWithinOneChunk(@TempDir Path dir) {
        ChannelDevice f = devices.add("f", new ChannelDevice(dir.resolve("f"), 64 * 512));
        ChannelDevice g = devices.add("g", new ChannelDevice(dir.resolve("g"), 64 * 512));
        Target t = StripedTarget.TYPE.create(32, List.of("2", "8", "f", "0", "g", "16"), devices);
        var span = t.fileSpan(3 * CHUNK + 100, 200).orElseThrow();
        assertThat(span.channel()).isSameAs(g.channel());
        assertThat(span.position()).isEqualTo(16 * 512 + CHUNK + 100);
        span.close();
        assertThat(t.fileSpan(CHUNK - 100, 200)).isEmpty();
        assertThat(f.pins() + g.pins()).isZero();
        f.close();
        g.close();
    }

    @Test
    void statusMarksAStripeThatFailed() {
        devices.memory("a", 64);
        devices.add("bad", ErrorTarget.TYPE.create(64, List.of(), devices));
        Target t = StripedTarget.TYPE.create(32, List.of("2", "8", "a", "0", "bad", "0"), devices);
        assertThat(t.status()).isEqualTo("2 a bad 1 AA");
        write(t, 0, pattern(CHUNK, 1));
        failure(t.write(0, ByteBuffer.wrap(pattern(2 * CHUNK, 1)), false));
        assertThat(t.status()).isEqualTo("2 a bad 1 AD");
        assertThat(t.params()).isEqualTo("2 8 a 0 bad 0");
    }

    @Test
    void rejectsBadLayouts() {
        devices.memory("a", 64);
        devices.memory("b", 64);
        assertThatThrownBy(() -> StripedTarget.TYPE.create(32, List.of("2", "4", "a", "0", "b", "0"), devices))
                .hasMessage("striped: chunk size 4 out of range [8, 2147483648]");
        assertThatThrownBy(() -> StripedTarget.TYPE.create(33, List.of("2", "8", "a", "0", "b", "0"), devices))
                .hasMessage("striped: length 33 not divisible by number of stripes 2");
        assertThatThrownBy(() -> StripedTarget.TYPE.create(24, List.of("2", "8", "a", "0", "b", "0"), devices))
                .hasMessage("striped: length 24 not a multiple of #stripes * chunk size = 16");
        assertThatThrownBy(() -> StripedTarget.TYPE.create(32, List.of("2", "8", "a", "0"), devices))
                .hasMessage("striped: 2 stripes need 6 arguments, got 4");
        assertThatThrownBy(() -> StripedTarget.TYPE.create(32, List.of("0", "8"), devices))
                .hasMessage("striped: #stripes 0 out of range [1, 1024]");
        assertThatThrownBy(() -> StripedTarget.TYPE.create(160, List.of("2", "8", "a", "0", "b", "0"), devices))
                .hasMessage("mapping of 80 sectors at offset 0 lies outside device 'a' of 64 sectors");
        assertThatThrownBy(() -> StripedTarget.TYPE.create(96, List.of("2", "8", "a", "0", "b", "24"), devices))
                .hasMessage("mapping of 48 sectors at offset 24 lies outside device 'b' of 64 sectors");
    }
}
