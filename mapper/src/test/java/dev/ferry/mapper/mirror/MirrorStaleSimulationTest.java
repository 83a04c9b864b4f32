package dev.ferry.mapper.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.mapper.block.BlockDevice;
import dev.ferry.mapper.block.BlockIoException;
import dev.ferry.mapper.block.MemoryBlockDevice;
import dev.ferry.mapper.testing.Bytes;
import dev.ferry.mapper.testing.DelegatingDevice;
import dev.ferry.mapper.testing.OpQueue;
import dev.ferry.mapper.testing.QueuedDevice;
import dev.ferry.mapper.testing.Seeds;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Seeded deterministic simulation of a keep_serving mirror: random writes, reads and flushes race recovery while
 * every device operation completes in a seed-chosen order and the legs but one (the healthy leg) fail reads,
 * writes and flushes at random. The listener records stale copies as the daemon would. Checks against a
 * byte-array model that every write is acknowledged, reads see acknowledged data, every copy not stale holds the
 * model's bytes, the recorded stale copies are the mirror's, and that a table reloaded with them (failures over)
 * resyncs every leg to the model. With three legs one leg may lack some regions ({@code absent}): those are never
 * read, written nor copied onto, whatever fails.
 */
class MirrorStaleSimulationTest {

    private static final int REGION = 4096;
    private static final int REGIONS = 16;
    private static final int SIZE = REGION * REGIONS;
    private static final int STEPS = 300;
    /** What a leg holds where it has no copy (the daemon maps such pieces to an error target). */
    private static final byte[] SENTINEL = Bytes.random(-1, REGION);

    /** A leg that fails operations at random while failures are on. */
    private static final class FlakyLeg extends DelegatingDevice {
        private final Random random;
        private final double probability;
        private boolean failing = true;

        FlakyLeg(BlockDevice delegate, Random random, double probability) {
            super(delegate);
            this.random = random;
            this.probability = probability;
        }

        private <T> CompletableFuture<T> maybeFail(String op, java.util.function.Supplier<CompletableFuture<T>> io) {
            if (failing && random.nextDouble() < probability) {
                return CompletableFuture.failedFuture(new BlockIoException(BlockIoException.Kind.IO_ERROR,
                        "injected " + op + " error on " + describe()));
            }
            return io.get();
        }

        @Override
        public CompletableFuture<Void> read(long offset, ByteBuffer dst) {
            return maybeFail("read", () -> super.read(offset, dst));
        }

        @Override
        public CompletableFuture<Void> write(long offset, ByteBuffer src, boolean fua) {
            return maybeFail("write", () -> super.write(offset, src, fua));
        }

        @Override
        public CompletableFuture<Void> writeZeroes(long offset, long length, boolean mayUnmap) {
            return maybeFail("write-zeroes", () -> super.writeZeroes(offset, length, mayUnmap));
        }

        @Override
        public CompletableFuture<Void> flush() {
            return maybeFail("flush", super::flush);
        }
    }

    static LongStream seeds() {
        return Seeds.range(0, 200);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void everyGoodCopyHoldsTheModel(long seed) {
        try {
            run(seed);
        } catch (Throwable t) {
            throw new AssertionError("simulation failed with seed " + seed + ": " + t, t);
        }
    }

    private void run(long seed) {
        Random rnd = new Random(seed);
        int legCount = 2 + rnd.nextInt(2);
        int healthy = rnd.nextInt(legCount);
        double failureRate = 0.02 + rnd.nextDouble() * 0.15;
        Random failures = new Random(seed * 31 + 7);
        byte[] model = Bytes.random(rnd.nextLong(), SIZE);
        List<MemoryBlockDevice> legs = new ArrayList<>();
        for (int i = 0; i < legCount; i++) {
            legs.add(new MemoryBlockDevice("leg" + i, SIZE));
            Bytes.put(legs.get(i), 0, model);
        }
        MirrorFixture fx = new MirrorFixture();
        int absentLeg = legCount == 3 && rnd.nextBoolean() ? (healthy + 1 + rnd.nextInt(2)) % 3 : -1;
        BitSet absent = new BitSet();
        if (absentLeg >= 0) {                            // regions the leg has no copy of hold a sentinel
            for (int r = rnd.nextInt(REGIONS); r < REGIONS; r += 1 + rnd.nextInt(3)) {
                absent.set(r);
                Bytes.put(legs.get(absentLeg), (long) r * REGION, SENTINEL);
            }
        }
        int staleLeg = (healthy + 1 + rnd.nextInt(legCount - 1)) % legCount;
        if (rnd.nextBoolean()) {                         // stale copies given at load hold other bytes
            BitSet stale = new BitSet();
            for (int r = rnd.nextInt(REGIONS); r < REGIONS; r += 1 + rnd.nextInt(4)) {
                if (staleLeg != absentLeg || !absent.get(r)) {
                    stale.set(r);
                    Bytes.put(legs.get(staleLeg), (long) r * REGION, Bytes.random(rnd.nextLong(), REGION));
                }
            }
            fx.recordedStale.put(staleLeg, stale);
        }
        String log = rnd.nextBoolean() ? "core 2 8 nosync " : "core 1 8 ";
        OpQueue q = new OpQueue();
        List<FlakyLeg> flaky = new ArrayList<>();
        for (int i = 0; i < legCount; i++) {
            FlakyLeg leg = new FlakyLeg(legs.get(i), failures, i == healthy ? 0 : failureRate);
            flaky.add(leg);
            fx.add("leg" + i, new QueuedDevice(leg, q));
        }
        List<String> absentWords = absent.isEmpty() ? List.of() : List.of("absent", Integer.toString(absentLeg),
                absent.stream().mapToObj(Integer::toString).collect(Collectors.joining(",")));
        MirrorTarget m = fx.create(SIZE / 512, table(log, legCount, fx, absentWords), 1 + rnd.nextInt(4));
        m.resume();

        SimulatedIo io = new SimulatedIo(model, REGION);
        List<CompletableFuture<Void>> flushes = new ArrayList<>();
        for (int step = 0; step < STEPS; step++) {
            int action = rnd.nextInt(100);
            if (action < 50) {
                q.runRandom(rnd);
            } else if (action < 75) {
                io.write(rnd, m);
            } else if (action < 94) {
                io.read(rnd, m);
            } else {
                flushes.add(m.flush());
            }
            io.settle(false);
        }
        q.drain();
        io.settle(true);
        flushes.forEach(f -> assertThat(f).as("flush").isCompletedWithValue(null));
        assertThat(m.recoveryFinished()).isDone();
        for (int leg = 0; leg < legCount; leg++) {
            BitSet none = leg == absentLeg ? absent : new BitSet();
            fx.recordedStale.computeIfAbsent(leg, l -> new BitSet()).andNot(none);   // a whole-leg mark spares them
            BitSet stale = m.staleRegions(leg);
            assertThat(stale).as("stale copies of leg %d recorded", leg).isEqualTo(fx.recordedStale.get(leg));
            assertCopies(legs.get(leg), model, stale, none);
        }
        assertThat(m.staleRegions(healthy)).as("stale copies of the healthy leg").isEqualTo(new BitSet());

        // the daemon reloads the table with the recorded stale copies once the failures are over
        flaky.forEach(leg -> leg.failing = false);
        MirrorTarget reloaded = fx.create(SIZE / 512, table("core 2 8 nosync ", legCount, fx, absentWords), 2);
        reloaded.resume();
        q.drain();
        assertThat(reloaded.recoveryFinished()).isCompletedWithValue(
                new RecoveryOutcome(RecoveryOutcome.Status.IN_SYNC, REGIONS, REGIONS, null));
        for (int leg = 0; leg < legCount; leg++) {
            assertCopies(legs.get(leg), model, new BitSet(), leg == absentLeg ? absent : new BitSet());
        }
    }

    /**
     * Every region of {@code leg} but the {@code stale} ones holds the model's bytes, and those it has {@code none}
     * of still hold the sentinel: never written, never copied onto.
     */
    private static void assertCopies(MemoryBlockDevice leg, byte[] model, BitSet stale, BitSet none) {
        for (int r = stale.nextClearBit(0); r < REGIONS; r = stale.nextClearBit(r + 1)) {
            assertThat(Bytes.get(leg, (long) r * REGION, REGION)).as("region %d on %s", r, leg.describe())
                    .isEqualTo(none.get(r) ? SENTINEL : Arrays.copyOfRange(model, r * REGION, (r + 1) * REGION));
        }
    }

    private static String table(String log, int legCount, MirrorFixture fx, List<String> absentWords) {
        StringBuilder table = new StringBuilder(log).append(legCount);
        for (int i = 0; i < legCount; i++) {
            table.append(" leg").append(i).append(" 0");
        }
        List<String> features = new ArrayList<>(List.of("keep_serving"));
        features.addAll(fx.staleFeatureWords());
        features.addAll(absentWords);
        return table.append(' ').append(features.size()).append(' ').append(String.join(" ", features)).toString();
    }
}
