package dev.ferry.nbd.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.nbd.NbdConstants;
import dev.ferry.nbd.export.BlockStatusExtent;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Seeded random pipelined operations through an {@link NbdClient}, checked against a byte-array model. Each
 * round issues up to {@value #SLOTS} concurrent operations on disjoint slots, so the model is order-independent;
 * trimmed bytes become unknown until rewritten (the spec leaves them undefined). Block status and DF reads are
 * used only when the connection negotiated them.
 */
final class RandomWorkload {

    static final int SLOTS = 8;

    private final int size;
    private final int slot;
    private final byte[] model;
    private final BitSet unknown;

    /** A workload over the first {@code size} bytes of an export that starts all zero. */
    RandomWorkload(int size) {
        this.size = size;
        this.slot = size / SLOTS;
        this.model = new byte[size];
        this.unknown = new BitSet(size);
    }

    /** Runs {@code rounds} rounds; a failure names the seed and the round. */
    void run(NbdClient client, long seed, int rounds) {
        Random rnd = new Random(seed);
        int round = 0;
        try {
            for (; round < rounds; round++) {
                runRound(client, rnd);
            }
        } catch (Throwable t) {
            throw new AssertionError("seed=" + seed + " round=" + round + ": " + t, t);
        }
    }

    /** Checks {@code actual} (the export's bytes from offset 0) against the model, skipping unknown bytes. */
    void assertMatches(byte[] actual, String what) {
        checkBytes(actual, model, unknown.get(0, size), 0, what);
    }

    private void runRound(NbdClient client, Random rnd) throws Exception {
        List<CompletableFuture<Runnable>> checks = new ArrayList<>();
        for (int s = 0; s < SLOTS; s++) {
            if (rnd.nextInt(4) == 0) {
                continue;
            }
            int length = 1 + rnd.nextInt(rnd.nextBoolean() ? 512 : 65536);
            long offset = (long) s * slot + rnd.nextInt(slot - length + 1);
            checks.add(operation(client, rnd, offset, length));
        }
        for (CompletableFuture<Runnable> check : checks) {
            check.get(60, TimeUnit.SECONDS).run();
        }
    }

    /** Starts one random operation, updates the model, and returns the check to run on its result. */
    private CompletableFuture<Runnable> operation(NbdClient client, Random rnd, long offset, int length) {
        int at = (int) offset;
        int kind = rnd.nextInt(100);
        boolean fua = client.export().hasFlag(NbdConstants.NBD_FLAG_SEND_FUA) && rnd.nextBoolean();
        if (kind < 35) {
            byte[] data = new byte[length];
            rnd.nextBytes(data);
            System.arraycopy(data, 0, model, at, length);
            unknown.clear(at, at + length);
            return client.write(offset, Unpooled.wrappedBuffer(data), fua ? NbdConstants.NBD_CMD_FLAG_FUA : 0)
                    .thenApply(v -> () -> { });
        } else if (kind < 70) {
            byte[] expected = Arrays.copyOfRange(model, at, at + length);
            BitSet skip = unknown.get(at, at + length);
            boolean df = client.structuredReplies() && client.export().hasFlag(NbdConstants.NBD_FLAG_SEND_DF)
                    && rnd.nextBoolean();
            return client.read(offset, length, df ? NbdConstants.NBD_CMD_FLAG_DF : 0)
                    .thenApply(buf -> () -> checkRead(buf, expected, skip, offset));
        } else if (kind < 80) {
            Arrays.fill(model, at, at + length, (byte) 0);
            unknown.clear(at, at + length);
            return client.writeZeroes(offset, length, rnd.nextBoolean(), false).thenApply(v -> () -> { });
        } else if (kind < 85) {
            unknown.set(at, at + length);
            return client.trim(offset, length).thenApply(v -> () -> { });
        } else if (kind < 95 && client.metaContexts().containsKey(NbdConstants.BASE_ALLOCATION)) {
            byte[] snapshot = Arrays.copyOfRange(model, at, at + length);
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
            actual = ByteBufUtil.getBytes(buf); // one access: the leak detector records each
        } finally {
            buf.release();
        }
        checkBytes(actual, expected, skip, offset, "read");
    }

    private static void checkBytes(byte[] actual, byte[] expected, BitSet skip, long offset, String what) {
        assertThat(actual.length).isEqualTo(expected.length);
        for (int i = 0; i < expected.length; i++) {
            if (!skip.get(i) && actual[i] != expected[i]) {
                throw new AssertionError(what + ": byte at " + (offset + i) + " is " + actual[i] + ", model says "
                        + expected[i]);
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
