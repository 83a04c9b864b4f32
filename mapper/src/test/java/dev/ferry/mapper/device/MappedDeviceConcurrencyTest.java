package dev.ferry.mapper.device;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.mapper.block.MemoryBlockDevice;
import dev.ferry.mapper.targets.TargetTypes;
import dev.ferry.mapper.targets.TestDevices;
import dev.ferry.mapper.testing.Seeds;
import dev.ferry.mapper.time.Scheduler;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Real threads: writers and readers on a mapped device race a thread that swaps it between two leaves
 * (copying the data while suspended). A write that reached the old leaf after the drain would be lost on
 * the new one; each thread owns a region and checks every read against its own model.
 */
class MappedDeviceConcurrencyTest {

    private static final int THREADS = 4;
    private static final int REGION = 64 * 1024;
    private static final int OPS = 1500;
    private static final int SWAPS = 150;

    static LongStream seeds() {
        return Seeds.of(1, 2, 3);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void ioOnRealThreadsSurvivesLiveLeafSwaps(long seed) throws Exception {
        TestDevices leaves = new TestDevices();
        long sectors = (long) THREADS * REGION / 512;
        MemoryBlockDevice[] leaf = {leaves.memory("/a", sectors), leaves.memory("/b", sectors)};
        DeviceRegistry registry = new DeviceRegistry(TargetTypes.standard(), Scheduler.system(), leaves,
                Duration.ofSeconds(30));
        MappedDevice d = registry.create("d", "0 " + sectors + " linear /a 0");
        List<CompletableFuture<Void>> workers = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int region = t;
            workers.add(CompletableFuture.runAsync(() -> work(d, region, new Random(seed * 31 + region))));
        }
        Random random = new Random(seed);
        int current = 0;
        for (int i = 0; i < SWAPS && !workers.stream().allMatch(CompletableFuture::isDone); i++) {
            int next = 1 - current;
            String text = random.nextBoolean() ? "0 " + sectors + " linear /" + (next == 0 ? "a" : "b") + " 0"
                    : "0 8 linear /" + (next == 0 ? "a" : "b") + " 0\n8 " + (sectors - 8) + " linear /"
                    + (next == 0 ? "a" : "b") + " 8";
            registry.load("d", text);
            d.suspend(random.nextBoolean() ? SuspendMode.FLUSH : SuspendMode.NOFLUSH, Duration.ofSeconds(30))
                    .get(30, TimeUnit.SECONDS);
            byte[] all = TestDevices.read(leaf[current], 0, THREADS * REGION);
            TestDevices.write(leaf[next], 0, all);
            d.resume().get(30, TimeUnit.SECONDS);
            current = next;
        }
        for (CompletableFuture<Void> w : workers) {
            w.get(60, TimeUnit.SECONDS);
        }
        assertThat(d.state()).isEqualTo(DeviceState.ACTIVE);
    }

    private static void work(MappedDevice d, int region, Random random) {
        byte[] model = new byte[REGION];
        long base = (long) region * REGION;
        for (int i = 0; i < OPS; i++) {
            int off = random.nextInt(REGION - 1);
            int len = 1 + random.nextInt(Math.min(8192, REGION - off));
            if (random.nextBoolean()) {
                byte[] data = new byte[len];
                random.nextBytes(data);
                TestDevices.await(d.write(base + off, ByteBuffer.wrap(data), false));
                System.arraycopy(data, 0, model, off, len);
            } else {
                byte[] got = TestDevices.read(d, base + off, len);
                if (!Arrays.equals(got, 0, len, model, off, off + len)) {
                    throw new AssertionError("region " + region + " op " + i + ": read " + (base + off) + "+" + len
                            + " differs from what this thread wrote");
                }
            }
        }
    }
}
