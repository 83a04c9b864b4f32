package dev.ferry.mapper.block;

import static dev.ferry.mapper.block.TestIo.await;
import static dev.ferry.mapper.block.TestIo.read;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.mapper.testing.Seeds;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadPoolExecutor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Many concurrent operations on one {@link FileBlockDevice}, then verification of every byte. */
class FileBlockDeviceConcurrencyTest {

    private static final int SUBMITTERS = 4;
    private static final int SLOTS = 512;
    private static final int SLOT = 16 << 10;

    @TempDir
    Path dir;

    /** One write planned for a slot. */
    private record Planned(long offset, byte[] data, boolean fua) {
    }

    @Test
    void concurrentWritesToDisjointRangesAllLand() throws Exception {
        long seed = Seeds.fresh();
        Random rnd = new Random(seed);
        byte[] model = new byte[SLOTS * SLOT];
        List<List<Planned>> plans = new ArrayList<>();
        for (int t = 0; t < SUBMITTERS; t++) {
            plans.add(new ArrayList<>());
        }
        for (int s = 0; s < SLOTS; s++) {
            int len = 1 + rnd.nextInt(SLOT);
            int off = s * SLOT + rnd.nextInt(SLOT - len + 1);
            byte[] data = TestIo.random(rnd, len);
            System.arraycopy(data, 0, model, off, len);
            plans.get(s % SUBMITTERS).add(new Planned(off, data, rnd.nextInt(8) == 0));
        }
        ThreadPoolExecutor pool = IoExecutors.newPool(8, SLOTS);
        try (FileBlockDevice device = FileBlockDevice.createSparse(dir.resolve("c.img"), model.length, false, pool)) {
            CountDownLatch start = new CountDownLatch(1);
            List<CompletableFuture<Void>> writes = java.util.Collections.synchronizedList(new ArrayList<>());
            List<Thread> submitters = new ArrayList<>();
            for (List<Planned> plan : plans) {
                Thread th = new Thread(() -> {
                    awaitLatch(start);
                    for (Planned p : plan) {
                        writes.add(device.write(p.offset(), ByteBuffer.wrap(p.data()), p.fua()));
                    }
                });
                th.start();
                submitters.add(th);
            }
            start.countDown();
            for (Thread th : submitters) {
                th.join();
            }
            assertThat(writes).hasSize(SLOTS);
            await(CompletableFuture.allOf(writes.toArray(new CompletableFuture<?>[0])));
            assertThat(read(device, 0, model.length)).as("seed %d", seed).isEqualTo(model);
        } finally {
            pool.shutdown();
        }
    }

    private static void awaitLatch(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
