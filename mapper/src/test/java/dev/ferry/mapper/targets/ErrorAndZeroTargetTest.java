package dev.ferry.mapper.targets;

import static dev.ferry.mapper.targets.TestDevices.await;
import static dev.ferry.mapper.targets.TestDevices.failure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.mapper.block.BlockIoException;
import dev.ferry.mapper.block.Extent;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ErrorAndZeroTargetTest {

    private final TestDevices devices = new TestDevices();

    @Test
    void errorTargetFailsEveryIoButFlush() {
        Target t = ErrorTarget.TYPE.create(8, List.of(), devices);
        for (Throwable e : List.of(failure(t.read(0, ByteBuffer.allocate(512))),
                failure(t.write(0, ByteBuffer.allocate(512), false)), failure(t.discard(0, 512)),
                failure(t.writeZeroes(0, 512, true)), failure(t.allocation(0, 512)))) {
            assertThat(e).isInstanceOf(BlockIoException.class);
            assertThat(((BlockIoException) e).kind()).isEqualTo(BlockIoException.Kind.IO_ERROR);
        }
        await(t.flush());
        assertThat(t.params()).isEmpty();
        assertThat(t.size()).isEqualTo(4096);
    }

    @Test
    void zeroTargetReadsZeroesAndDropsWrites() {
        Target t = ZeroTarget.TYPE.create(8, List.of(), devices);
        await(t.write(0, ByteBuffer.wrap(TestDevices.pattern(4096, 1)), true));
        ByteBuffer b = ByteBuffer.wrap(TestDevices.pattern(1000, 2));
        b.position(3).limit(999);
        await(t.read(0, b));
        assertThat(b.position()).isEqualTo(3);
        byte[] expected = TestDevices.pattern(1000, 2);
        Arrays.fill(expected, 3, 999, (byte) 0);
        assertThat(b.array()).isEqualTo(expected);
        assertThat(await(t.allocation(512, 1024))).containsExactly(Extent.hole(512, 1024));
        assertThat(t.fastZeroes()).isTrue();
    }

    @Test
    void neitherTakesArguments() {
        assertThatThrownBy(() -> ErrorTarget.TYPE.create(8, List.of("x"), devices))
                .hasMessage("error: expected 0 arguments, got 1");
        assertThatThrownBy(() -> ZeroTarget.TYPE.create(8, List.of("x", "y"), devices))
                .hasMessage("zero: expected 0 arguments, got 2");
    }
}
