package dev.ferry.mapper.targets;

import static dev.ferry.mapper.targets.TestDevices.await;
import static dev.ferry.mapper.targets.TestDevices.pattern;
import static dev.ferry.mapper.targets.TestDevices.read;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.mapper.time.ManualScheduler;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class DelayTargetTest {

    private final TestDevices devices = new TestDevices();
    private final ManualScheduler clock = new ManualScheduler();

    private Target create(String... args) {
        return DelayTarget.TYPE.create(16, List.of(args), new TargetContext(devices, clock, TargetEvents.NONE));
    }

    @Test
    void holdsEachOperationForItsDelay() {
        devices.memory("a", 64);
        Target t = create("a", "8", "50");
        CompletableFuture<Void> w = t.write(0, ByteBuffer.wrap(pattern(512, 1)), false);
        assertThat(w).isNotDone();
        assertThat(t.status()).isEqualTo("0 1");
        assertThat(read(devices.resolve("a"), 8 * 512, 512)).isEqualTo(new byte[512]);
        clock.advance(Duration.ofMillis(49));
        assertThat(w).isNotDone();
        clock.advance(Duration.ofMillis(1));
        assertThat(w).isCompleted();
        assertThat(t.status()).isEqualTo("0 0");
        ByteBuffer dst = ByteBuffer.allocate(512);
        CompletableFuture<Void> r = t.read(0, dst);
        assertThat(t.status()).isEqualTo("1 0");
        clock.advance(Duration.ofMillis(50));
        await(r);
        assertThat(dst.array()).isEqualTo(pattern(512, 1));
        assertThat(t.params()).isEqualTo("a 8 50");
    }

    @Test
    void sixArgumentsSendWritesAndFlushesToTheWriteDevice() {
        devices.memory("a", 64);
        devices.memory("b", 64);
        Target t = create("a", "0", "0", "b", "16", "100");
        CompletableFuture<Void> r = t.read(0, ByteBuffer.allocate(512));
        assertThat(r).isCompleted();
        CompletableFuture<Void> w = t.write(512, ByteBuffer.wrap(pattern(512, 2)), false);
        CompletableFuture<Void> f = t.flush();
        assertThat(w).isNotDone();
        assertThat(f).isNotDone();
        clock.advance(Duration.ofMillis(100));
        assertThat(w).isCompleted();
        assertThat(f).isCompleted();
        assertThat(read(devices.resolve("b"), 17 * 512, 512)).isEqualTo(pattern(512, 2));
        assertThat(read(devices.resolve("a"), 512, 512)).isEqualTo(new byte[512]);
        assertThat(t.params()).isEqualTo("a 0 0 b 16 100");
    }

    @Test
    void nineArgumentsGiveFlushesTheirOwnDelay() {
        devices.memory("a", 64);
        Target t = create("a", "0", "10", "a", "0", "20", "a", "0", "30");
        CompletableFuture<Void> f = t.flush();
        assertThat(t.status()).isEqualTo("0 0 1");
        clock.advance(Duration.ofMillis(29));
        assertThat(f).isNotDone();
        clock.advance(Duration.ofMillis(1));
        assertThat(f).isCompleted();
        assertThat(t.params()).isEqualTo("a 0 10 a 0 20 a 0 30");
    }

    @Test
    void rejectsBadArguments() {
        devices.memory("a", 64);
        assertThatThrownBy(() -> create("a", "0")).hasMessage("delay: expected 3, 6 or 9 arguments, got 2");
        assertThatThrownBy(() -> create("a", "0", "x"))
                .hasMessage("delay of device 'a' (ms) 'x' is not an unsigned decimal number");
        assertThatThrownBy(() -> create("a", "0", "1", "a", "60", "1"))
                .hasMessage("mapping of 16 sectors at offset 60 lies outside device 'a' of 64 sectors");
    }
}
