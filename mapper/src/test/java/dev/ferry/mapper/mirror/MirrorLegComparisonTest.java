package dev.ferry.mapper.mirror;

import static dev.ferry.mapper.testing.Bytes.get;
import static dev.ferry.mapper.testing.Bytes.join;
import static dev.ferry.mapper.testing.Bytes.put;
import static dev.ferry.mapper.testing.Bytes.random;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.mapper.block.MemoryBlockDevice;
import dev.ferry.mapper.testing.OpQueue;
import dev.ferry.mapper.testing.QueuedDevice;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** {@link MirrorTarget#compareLegs}: a pvmove's verify step, region by region with writes held. */
class MirrorLegComparisonTest {

    private static final int REGION = 64 * 1024;   // 128 sectors
    private static final int SIZE = 8 * REGION;
    private static final int B_OFFSET = 16 * 512;

    private final MirrorFixture fx = new MirrorFixture();
    private final MemoryBlockDevice a = new MemoryBlockDevice("a", SIZE);
    private final MemoryBlockDevice b = new MemoryBlockDevice("b", SIZE + B_OFFSET);

    private MirrorTarget synced() {
        put(a, 0, random(1, SIZE));
        MirrorTarget m = fx.create(1024, "core 1 128 2 a 0 b 16", 2);
        m.resume();
        assertThat(join(m.recoveryFinished()).status()).isEqualTo(RecoveryOutcome.Status.IN_SYNC);
        return m;
    }

    @Test
    void legsInSyncCompareEqualAfterWritesThroughTheMirror() {
        fx.add("a", a).add("b", b);
        MirrorTarget m = synced();
        put(m, 3 * REGION - 100, random(2, 5000));   // across regions 2 and 3, on both legs
        assertThat(join(m.compareLegs(0, SIZE).result())).isEmpty();
    }

    @Test
    void aByteChangedBehindTheMirrorIsFoundWhereItIsOnEachLeg() {
        fx.add("a", a).add("b", b);
        MirrorTarget m = synced();
        long at = 5 * REGION + 4321;
        byte[] one = get(b, B_OFFSET + at, 1);
        one[0] ^= 0x5a;
        put(b, B_OFFSET + at, one);
        put(b, B_OFFSET + 7 * REGION, new byte[] {(byte) ~get(a, 7 * REGION, 1)[0]});   // a later one is not reported
        Optional<LegMismatch> found = join(m.compareLegs(0, SIZE).result());
        assertThat(found).contains(new LegMismatch(1, "b", 5, at, at, B_OFFSET + at, "a"));
        assertThat(join(m.compareLegs(0, 5 * REGION).result())).as("the regions before it").isEmpty();
        assertThat(m.regionState(5)).as("released after the comparison").isNotEqualTo(RegionState.RECOVERING);
    }

    @Test
    void aWriteToTheRegionBeingComparedWaitsUntilItsLegsWereRead() {
        OpQueue q = new OpQueue();
        put(a, 0, random(3, SIZE));
        fx.add("a", new QueuedDevice(a, q)).add("b", new QueuedDevice(b, q));
        MirrorTarget m = fx.create(1024, "core 1 128 2 a 0 b 16", 2);
        m.resume();
        q.drain();
        assertThat(join(m.recoveryFinished()).status()).isEqualTo(RecoveryOutcome.Status.IN_SYNC);
        LegComparison c = m.compareLegs(0, REGION);
        assertThat(q.size()).as("both legs' reads of region 0 queued").isEqualTo(2);
        byte[] data = random(4, 1000);
        CompletableFuture<Void> w = m.write(10, ByteBuffer.wrap(data), false);
        assertThat(m.tracker().delayedWrites(0)).isEqualTo(1);
        assertThat(q.runOne(0)).isTrue();
        assertThat(w).isNotDone();
        assertThat(q.runOne(0)).isTrue();
        assertThat(join(c.result())).isEmpty();
        q.drain();
        join(w);
        assertThat(get(b, B_OFFSET + 10, 1000)).isEqualTo(data);
    }

    @Test
    void aRegionOutOfSyncCannotBeCompared() {
        fx.add("a", a).add("b", b);
        MirrorTarget m = fx.create(1024, "core 1 128 2 a 0 b 16", 2);   // not resumed: nothing in sync
        assertThatThrownBy(() -> join(m.compareLegs(REGION, REGION).result()))
                .hasMessageContaining("region 1 of mirror(a,b) is not in sync");
        assertThat(m.regionState(1)).isEqualTo(RegionState.NOSYNC);
    }

    @Test
    void aCancelledComparisonReleasesItsRegionWithoutWaitingForItsReads() {
        OpQueue q = new OpQueue();
        fx.add("a", new QueuedDevice(a, q)).add("b", new QueuedDevice(b, q));
        MirrorTarget m = fx.create(1024, "core 2 128 nosync 2 a 0 b 16", 2);
        LegComparison c = m.compareLegs(0, SIZE);
        CompletableFuture<Void> w = m.write(10, ByteBuffer.wrap(random(5, 100)), false);
        assertThat(m.tracker().delayedWrites(0)).isEqualTo(1);
        c.cancel();
        assertThat(c.result()).isCompletedExceptionally();
        assertThatThrownBy(() -> join(c.result())).hasRootCauseInstanceOf(CancellationException.class);
        assertThat(m.tracker().delayedWrites(0)).as("the write goes on while the reads still wait").isZero();
        q.drain();
        join(w);
        assertThat(m.regionState(0)).isNotEqualTo(RegionState.RECOVERING);
        assertThat(m.regionState(1)).as("no later region was held").isNotEqualTo(RegionState.RECOVERING);
    }
}
