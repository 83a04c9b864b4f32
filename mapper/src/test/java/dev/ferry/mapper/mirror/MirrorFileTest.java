package dev.ferry.mapper.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.mapper.block.FileBlockDevice;
import dev.ferry.mapper.block.IoExecutors;
import dev.ferry.mapper.copy.Copier;
import dev.ferry.mapper.copy.CopierConfig;
import dev.ferry.mapper.testing.Bytes;
import dev.ferry.mapper.time.Scheduler;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Mirror recovery over real files with real I/O threads while writes keep arriving. */
class MirrorFileTest {

    private static final int SIZE = 4 << 20;
    private static final int REGION = 64 * 1024;

    @TempDir
    Path dir;

    private final ExecutorService io = IoExecutors.newPool(4, 1024);

    @AfterEach
    void stop() {
        io.shutdown();
    }

    @Test
    void recoveryUnderConcurrentWritesLeavesIdenticalFiles() throws IOException {
        Random rnd = new Random(7);
        byte[] initial = Bytes.random(8, SIZE);
        Files.write(dir.resolve("a"), initial);
        Files.write(dir.resolve("b"), new byte[SIZE]);
        Files.write(dir.resolve("log"), new byte[64 * 1024]);
        byte[] model = initial.clone();
        try (FileBlockDevice a = open("a"); FileBlockDevice b = open("b"); FileBlockDevice log = open("log")) {
            Copier copier = new Copier(new CopierConfig(16 * 1024, 4, 16, 0), Scheduler.system());
            MirrorFixture fx = new MirrorFixture();
            fx.add("a", a).add("b", b).add("log", log);
            MirrorTarget m = (MirrorTarget) new MirrorTargetType(copier, fx, 4)
                    .create(SIZE / 512, List.of("disk 2 log 128 2 a 0 b 0".split(" ")), fx.devices::get);
            m.resume();
            List<CompletableFuture<Void>> writes = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                // disjoint 4 KiB slots, so the model does not depend on completion order
                int slot = i * (SIZE / 4096 / 200) + rnd.nextInt(SIZE / 4096 / 200);
                byte[] data = Bytes.random(rnd.nextLong(), 4096);
                System.arraycopy(data, 0, model, slot * 4096, 4096);
                writes.add(m.write((long) slot * 4096, ByteBuffer.wrap(data), false));
            }
            Bytes.join(CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)));
            RecoveryOutcome outcome = Bytes.join(m.recoveryFinished());
            assertThat(outcome.status()).isEqualTo(RecoveryOutcome.Status.IN_SYNC);
            Bytes.join(m.flush());
            Bytes.join(m.postsuspend());
            assertThat(m.status()).isEqualTo("2 a b " + SIZE / REGION + "/" + SIZE / REGION + " 1 AA 3 disk log A");
        }
        assertThat(Files.readAllBytes(dir.resolve("a"))).isEqualTo(model);
        assertThat(Files.readAllBytes(dir.resolve("b"))).isEqualTo(model);
    }

    private FileBlockDevice open(String name) throws IOException {
        return FileBlockDevice.open(dir.resolve(name), FileBlockDevice.Access.READ_WRITE, io);
    }
}
