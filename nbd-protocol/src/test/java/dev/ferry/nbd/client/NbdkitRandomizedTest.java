package dev.ferry.nbd.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ferry.nbd.NbdConstants;
import dev.ferry.nbd.export.BlockStatusExtent;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Seeded random pipelined operations against nbdkit memory, checked against a byte-array model. Each round
 * issues up to {@value #SLOTS} concurrent operations on disjoint slots, so the model is order-independent;
 * trimmed bytes become unknown until rewritten (the spec leaves them undefined).
 */
class NbdkitRandomizedTest {

    private static final int SIZE = 4 << 20;
    private static final int SLOTS = 8;
    private static final int SLOT = SIZE / SLOTS;
    private static final int ROUNDS = 200;

    @TempDir
    Path dir;

    private final byte[] model = new byte[SIZE];
    private final BitSet unknown = new BitSet(SIZE);

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 20261121})
    void randomPipelinedOperationsMatchTheModel(long seed) throws Exception {
        assumeTrue(NbdkitServer.available(), "nbdkit is not installed (apt-get install nbdkit); test skipped");
        try (NbdkitServer server = NbdkitServer.start(dir, "memory", Integer.toString(SIZE));
             NbdClient client = NbdClient.connect(server.config().build()).get(30, TimeUnit.SECONDS)) {
            Random rnd = new Random(seed);
            int round = 0;
            try {
                for (; round < ROUNDS; round++) {
                    runRound(client, rnd);
                }
                client.disconnect().get(30, TimeUnit.SECONDS);
            } catch (Throwable t) {
                throw new AssertionError("seed=" + seed + " round=" + round + ": " + t, t);
            }
        }
    }

    private void runRound(NbdClient client, Random rnd) throws Exception {
        List<CompletableFuture<Runnable>> checks = new ArrayList<>();
        for (int slot = 0; slot < SLOTS; slot++) {
            if (rnd.nextInt(4) == 0) {
                continue;
            }
            int length = 1 + rnd.nextInt(rnd.nextBoolean() ? 512 : 65536);
            long offset = (long) slot * SLOT + rnd.nextInt(SLOT - length + 1);
            checks.add(operation(client, rnd, offset, length));
        }
        for (CompletableFuture<Runnable> check : checks) {
            check.get(30, TimeUnit.SECONDS).run();
        }
    }

    /** Starts one random operation, updates the model, and returns the check to run on its result. */
    private CompletableFuture<Runnable> operation(NbdClient client, Random rnd, long offset, int length) {
        int at = (int) offset;
        int kind = rnd.nextInt(100);
        if (kind < 35) {
            byte[] data = new byte[length];
            rnd.nextBytes(data);
            System.arraycopy(data, 0, model, at, length);
            unknown.clear(at, at + length);
            int flags = rnd.nextBoolean() ? NbdConstants.NBD_CMD_FLAG_FUA : 0;
            return client.write(offset, Unpooled.wrappedBuffer(data), flags).thenApply(v -> () -> { });
        } else if (kind < 70) {
            byte[] expected = java.util.Arrays.copyOfRange(model, at, at + length);
            BitSet skip = unknown.get(at, at + length);
            return client.read(offset, length).thenApply(buf -> () -> checkRead(buf, expected, skip, offset));
        } else if (kind < 80) {
            java.util.Arrays.fill(model, at, at + length, (byte) 0);
            unknown.clear(at, at + length);
            return client.writeZeroes(offset, length, rnd.nextBoolean(), false).thenApply(v -> () -> { });
        } else if (kind < 85) {
            unknown.set(at, at + length);
            return client.trim(offset, length).thenApply(v -> () -> { });
        } else if (kind < 95) {
            byte[] snapshot = java.util.Arrays.copyOfRange(model, at, at + length);
            BitSet skip = unknown.get(at, at + length);
            return client.blockStatus(offset, length, rnd.nextBoolean())
                    .thenApply(extents -> () -> checkStatus(extents, snapshot, skip, length));
        } else if (kind < 98) {
            return client.cache(offset, length).thenApply(v -> () -> { });
        }
        return client.flush().thenApply(v -> () -> { });
    }

    private static void checkRead(ByteBuf buf, byte[] expected, BitSet skip, long offset) {
        byte[] actual;
        try {
            actual = io.netty.buffer.ByteBufUtil.getBytes(buf); // one access: the leak detector records each
        } finally {
            buf.release();
        }
        assertThat(actual.length).isEqualTo(expected.length);
        for (int i = 0; i < expected.length; i++) {
            if (!skip.get(i) && actual[i] != expected[i]) {
                throw new AssertionError("byte at " + (offset + i) + " is " + actual[i] + ", model says " + expected[i]);
            }
        }
    }

    /** Extents must start at the request and every byte flagged ZERO must be zero in the model. */
    private static void checkStatus(List<BlockStatusExtent> extents, byte[] snapshot, BitSet skip, int length) {
        assertThat(extents).isNotEmpty();
        long pos = 0;
        for (BlockStatusExtent e : extents) {
            if ((e.flags() & NbdConstants.NBD_STATE_ZERO) != 0) {
                for (long i = pos; i < Math.min(length, pos + e.length()); i++) {
                    if (!skip.get((int) i) && snapshot[(int) i] != 0) {
                        throw new AssertionError("extent " + e + " at +" + pos + " claims zeroes but byte +" + i
                                + " is " + snapshot[(int) i]);
                    }
                }
            }
            pos += e.length();
        }
    }
}
