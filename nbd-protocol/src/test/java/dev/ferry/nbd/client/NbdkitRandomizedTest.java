package dev.ferry.nbd.client;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ferry.nbd.testing.Seeds;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Seeded random pipelined operations against nbdkit memory, checked against a byte-array model. */
class NbdkitRandomizedTest {

    private static final int SIZE = 4 << 20;
    private static final int ROUNDS = 200;

    @TempDir
    Path dir;

    static LongStream seeds() {
        return Seeds.of(1, 2, 3, 20261121);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void randomPipelinedOperationsMatchTheModel(long seed) throws Exception {
        assumeTrue(NbdkitServer.available(), "nbdkit is not installed (apt-get install nbdkit); test skipped");
        try (NbdkitServer server = NbdkitServer.start(dir, "memory", Integer.toString(SIZE));
             NbdClient client = NbdClient.connect(server.config().build()).get(30, TimeUnit.SECONDS)) {
            new RandomWorkload(SIZE).run(client, seed, ROUNDS);
            client.disconnect().get(30, TimeUnit.SECONDS);
        }
    }
}
