package dev.ferry.mapper.mirror;

import static dev.ferry.mapper.testing.Bytes.get;
import static dev.ferry.mapper.testing.Bytes.join;
import static dev.ferry.mapper.testing.Bytes.put;
import static dev.ferry.mapper.testing.Bytes.random;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.mapper.block.BlockIoException;
import dev.ferry.mapper.block.MemoryBlockDevice;
import dev.ferry.mapper.testing.FaultyDevice;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The keep_serving mirror: stale copies per leg and region, their records, resync from any good leg. */
class MirrorKeepServingTest {

    private static final int REGION = 64 * 1024;   // 128 sectors
    private static final int SIZE = 8 * REGION;     // 8 regions, 1024 sectors

    private final MirrorFixture fx = new MirrorFixture();
    private final MemoryBlockDevice a = new MemoryBlockDevice("a", SIZE);
    private final MemoryBlockDevice b = new MemoryBlockDevice("b", SIZE);
    private final MemoryBlockDevice c = new MemoryBlockDevice("c", SIZE);

    private static BitSet regions(int... rs) {
        BitSet s = new BitSet();
        IntStream.of(rs).forEach(s::set);
        return s;
    }

    /** {@code io} fails with an I/O error whose message contains {@code message}. */
    private static void assertFails(Runnable io, String message) {
        assertThatThrownBy(io::run).satisfies(t -> {
            Throwable e = t;
            while (!(e instanceof BlockIoException) && e.getCause() != null) {
                e = e.getCause();
            }
            assertThat(e).isInstanceOf(BlockIoException.class).hasMessageContaining(message);
            assertThat(((BlockIoException) e).kind()).isEqualTo(BlockIoException.Kind.IO_ERROR);
        });
    }

    @Test
    void keepServingAndStaleFeaturesParseAndRoundTrip() {
        fx.add("a", a).add("b", b).add("c", c);
        String table = "core 2 128 nosync 3 a 0 b 0 c 0 8 handle_errors keep_serving stale 1 0-2,5 stale 2 7";
        MirrorTarget m = fx.create(1024, table, 1);
        assertThat(m.keepServing()).isTrue();
        assertThat(m.legCount()).isEqualTo(3);
        assertThat(m.staleRegions(0)).isEqualTo(new BitSet());
        assertThat(m.staleRegions(1)).isEqualTo(regions(0, 1, 2, 5));
        assertThat(m.staleRegions(2)).isEqualTo(regions(7));
        assertThat(m.regionsInSync()).isEqualTo(3);     // a region stale on some leg is out of sync
        assertThat(m.regionState(5)).isEqualTo(RegionState.NOSYNC);
        assertThat(m.params()).isEqualTo(table);
        assertThat(fx.create(1024, m.params(), 1).params()).isEqualTo(table);
        assertThat(fx.create(1024, "core 1 128 2 a 0 b 0 6 throttle g stale 1 3 keep_serving", 1).params())
                .endsWith(" 2 a 0 b 0 6 keep_serving stale 1 3 throttle g");
        assertThat(fx.create(1024, "core 1 128 2 a 0 b 0", 1).keepServing()).isFalse();
    }

    @Test
    void badKeepServingFeaturesAreRefusedPrecisely() {
        fx.add("a", a).add("b", b);
        Map<String, String> bad = Map.ofEntries(
                Map.entry("3 stale 1 0", "mirror: feature 'stale' requires 'keep_serving'"),
                Map.entry("7 keep_serving stale 1 0 stale 1 2", "mirror: feature 'stale' given twice for leg 1"),
                Map.entry("4 keep_serving stale 2 0", "mirror: feature 'stale': leg must be 0..1, got '2'"),
                Map.entry("4 keep_serving stale x 0", "leg must be 0..1, got 'x'"),
                Map.entry("3 keep_serving stale 1", "feature 'stale' needs region ranges after leg 1 within <#features>"),
                Map.entry("2 keep_serving stale", "feature 'stale' needs a leg and region ranges within <#features>"),
                Map.entry("4 keep_serving stale 1 3-1", "stale regions of leg 1: range '3-1' ends before it starts"),
                Map.entry("4 keep_serving stale 1 2,8", "stale regions of leg 1: range '8' outside regions 0..7"),
                Map.entry("4 keep_serving stale 1 2-3,1", "range '1' overlaps or precedes the range before it"),
                Map.entry("4 keep_serving stale 1 0-3,3", "range '3' overlaps or precedes the range before it"),
                Map.entry("4 keep_serving stale 1 1,,2", "'' is not a region number or an a-b range"),
                Map.entry("4 keep_serving stale 1 1-", "'1-' is not a region number or an a-b range"),
                Map.entry("4 keep_serving stale 1 -1", "'-1' is not a region number or an a-b range"),
                Map.entry("3 absent 1 0", "mirror: feature 'absent' requires 'keep_serving'"),
                Map.entry("7 keep_serving absent 1 0 absent 1 2", "mirror: feature 'absent' given twice for leg 1"),
                Map.entry("4 keep_serving absent 2 0", "mirror: feature 'absent': leg must be 0..1, got '2'"),
                Map.entry("4 keep_serving absent 1 2,8", "absent regions of leg 1: range '8' outside regions 0..7"),
                Map.entry("2 keep_serving keep_serving", "mirror: feature 'keep_serving' given twice"),
                Map.entry("19 keep_serving", "mirror: <#features> must be 1..18 words"),
                Map.entry("5 keep_serving stale 1 0", "mirror: missing feature word 5 of 5"));
        bad.forEach((features, message) -> assertThatThrownBy(() -> fx.create(1024, "core 1 128 2 a 0 b 0 " + features, 1))
                .as(features).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message));
    }

    @Test
    void aWriteALegMissesMakesItsCopyStaleAndSucceeds() {
        FaultyDevice fb = new FaultyDevice(b);
        fx.add("a", a).add("b", fb);
        MirrorTarget m = fx.create(1024, "core 2 128 nosync 2 a 0 b 0 1 keep_serving", 1);
        fb.failWrites();
        byte[] data = random(1, 3000);
        put(m, REGION + 100, data);
        assertThat(m.staleRegions(1)).isEqualTo(regions(1));
        assertThat(fx.staleCopies).containsExactly(List.of(1, 1));
        assertThat(m.regionState(1)).isEqualTo(RegionState.NOSYNC);
        assertThat(m.status()).isEqualTo("2 a b 7/8 1 AD 1 core");
        int readsOfB = fb.reads();
        for (int i = 0; i < 10; i++) {
            assertThat(get(m, REGION + 100, 3000)).isEqualTo(data);
        }
        assertThat(fb.reads()).isEqualTo(readsOfB);      // a stale copy is never read
        put(m, 3 * REGION, random(2, 512));             // another region: stale there too, still served
        assertThat(m.staleRegions(1)).isEqualTo(regions(1, 3));
        assertThat(fx.legFailures).singleElement().satisfies(f -> assertThat(f.error()).isEqualTo(LegError.WRITE));
        assertThat(m.staleRegions(0)).isEqualTo(new BitSet());
    }

    @Test
    void aWriteTheDefaultLegMissesIsServedByTheOtherLeg() {
        FaultyDevice fa = new FaultyDevice(a);
        fx.add("a", fa).add("b", b);
        MirrorTarget m = fx.create(1024, "core 2 128 nosync 2 a 0 b 0 1 keep_serving", 1);
        fa.failWrites();
        byte[] data = random(3, 5000);
        put(m, 100, data);
        assertThat(m.staleRegions(0)).isEqualTo(regions(0));
        assertThat(m.legHealth()).isEqualTo("DA");
        int readsOfA = fa.reads();
        assertThat(get(m, 100, 5000)).isEqualTo(data);
        assertThat(fa.reads()).isEqualTo(readsOfA);
        assertThat(get(b, 100, 5000)).isEqualTo(data);
    }

    @Test
    void aStaleCopyTheListenerCannotRecordFailsTheWrite() {
        FaultyDevice fb = new FaultyDevice(b).failWrites();
        fx.add("a", a).add("b", fb);
        MirrorTarget m = fx.create(1024, "core 2 128 nosync 2 a 0 b 0 1 keep_serving", 1);
        fx.refuseStaleRecords = true;
        assertFails(() -> join(m.write(0, ByteBuffer.allocate(512), false)), "stale copies could not be recorded");
        assertThat(m.staleRegions(1)).isEqualTo(regions(0));   // still never read there
    }

    @Test
    void aWriteNoLegTookFails() {
        fx.add("a", new FaultyDevice(a).failWrites()).add("b", new FaultyDevice(b).failWrites());
        MirrorTarget m = fx.create(1024, "core 2 128 nosync 2 a 0 b 0 1 keep_serving", 1);
        assertFails(() -> join(m.write(0, ByteBuffer.allocate(512), false)), "failed on every good leg");
        assertThat(fx.staleCopies).isEmpty();
    }

    @Test
    void staleCopiesGivenAtLoadAreResyncedFromAGoodLeg() {
        byte[] content = random(4, SIZE);
        put(a, 0, content);
        put(b, 0, content);
        put(a, 3 * REGION, random(5, REGION));           // stale copies hold other bytes
        put(b, 2 * REGION, random(6, REGION));
        put(b, 5 * REGION, random(7, REGION));
        fx.add("a", a).add("b", b);
        MirrorTarget m = fx.create(1024, "core 2 128 nosync 2 a 0 b 0 7 keep_serving stale 0 3 stale 1 2,5", 2);
        for (int i = 0; i < 4; i++) {
            assertThat(get(m, 2 * REGION, REGION)).isEqualTo(get(a, 2 * REGION, REGION));
            assertThat(get(m, 3 * REGION, REGION)).isEqualTo(get(b, 3 * REGION, REGION));
        }
        m.resume();
        assertThat(join(m.recoveryFinished())).isEqualTo(new RecoveryOutcome(RecoveryOutcome.Status.IN_SYNC, 8, 8, null));
        assertThat(get(a, 0, SIZE)).isEqualTo(content);
        assertThat(get(b, 0, SIZE)).isEqualTo(content);
        assertThat(fx.synced).containsExactlyInAnyOrder(2, 3, 5);
        assertThat(m.staleRegions(0)).isEqualTo(new BitSet());
        assertThat(m.staleRegions(1)).isEqualTo(new BitSet());
        assertThat(m.resyncedBytes()).isEqualTo(3L * REGION);
    }

    @Test
    void anAbsentCopyIsNeitherUsedNorRecoveredAndOnlyTheStaleCopyIsCopiedOnto() {
        byte[] content = random(4, SIZE);
        put(a, 0, content);
        put(b, 0, content);
        byte[] other = random(5, SIZE);
        put(c, 0, other);                                // leg c has a copy of region 3 only, stale
        fx.add("a", a).add("b", b).add("c", c);
        String table = "core 2 128 nosync 3 a 0 b 0 c 0 9 keep_serving stale 2 3 absent 2 0-2,4-7 throttle g";
        MirrorTarget m = fx.create(1024, table, 2);
        assertThat(m.params()).endsWith(" 3 a 0 b 0 c 0 9 keep_serving stale 2 3 absent 2 0-2,4-7 throttle g");
        assertThat(m.regionsInSync()).as("only the stale copy puts a region out of sync").isEqualTo(7);
        assertThat(m.staleRegions(2)).isEqualTo(regions(3));
        for (int i = 0; i < 6; i++) {                    // balanced reads never go to c
            assertThat(get(m, 0, 3 * REGION)).isEqualTo(get(a, 0, 3 * REGION));
        }
        byte[] data = random(6, 4096);
        put(m, 5 * REGION, data);
        assertThat(get(c, 5 * REGION, 4096)).as("nor do writes").isEqualTo(Arrays.copyOfRange(other, 5 * REGION, 5 * REGION + 4096));

        m.resume();
        assertThat(join(m.recoveryFinished())).isEqualTo(new RecoveryOutcome(RecoveryOutcome.Status.IN_SYNC, 8, 8, null));
        assertThat(m.resyncedBytes()).as("region 3 onto c alone, b's good copy untouched").isEqualTo(REGION);
        assertThat(fx.synced).containsExactly(3);
        assertThat(get(c, 3 * REGION, REGION)).isEqualTo(get(a, 3 * REGION, REGION));
        assertThat(get(c, 0, 3 * REGION)).isEqualTo(Arrays.copyOf(other, 3 * REGION));
        assertThat(get(b, 0, SIZE)).isEqualTo(get(a, 0, SIZE));
    }

    @Test
    void aWholeCopyGoesOntoEveryPresentCopyAndARegionNoOtherLegHasIsInSyncAtOnce() {
        put(a, 0, random(7, SIZE));
        fx.add("a", a).add("b", b).add("c", c);
        MirrorTarget m = fx.create(1024, "core 1 128 3 a 0 b 0 c 0 7 keep_serving absent 1 4 absent 2 0-2,4-7", 2);
        assertThat(m.regionsInSync()).as("core log without nosync: all copied").isZero();
        m.resume();
        assertThat(join(m.recoveryFinished())).isEqualTo(new RecoveryOutcome(RecoveryOutcome.Status.IN_SYNC, 8, 8, null));
        assertThat(m.resyncedBytes()).as("7 regions onto b, region 3 onto c too, region 4 nowhere")
                .isEqualTo(8L * REGION);
        assertThat(get(b, 0, 4 * REGION)).isEqualTo(get(a, 0, 4 * REGION));
        assertThat(get(b, 5 * REGION, 3 * REGION)).isEqualTo(get(a, 5 * REGION, 3 * REGION));
        assertThat(get(b, 4 * REGION, REGION)).as("b has no copy of region 4").isEqualTo(new byte[REGION]);
        assertThat(get(c, 3 * REGION, REGION)).isEqualTo(get(a, 3 * REGION, REGION));
        assertThat(get(c, 0, 3 * REGION)).isEqualTo(new byte[3 * REGION]);
    }

    @Test
    void aResyncOntoAFailingLegDegradesWithoutKillingTheLeg() {
        put(a, 0, random(8, SIZE));
        put(b, 0, random(8, SIZE));
        FaultyDevice bad = new FaultyDevice(b).failWrites();
        fx.add("a", a).add("bad", bad);
        MirrorTarget m = fx.create(1024, "core 2 128 nosync 2 a 0 bad 0 4 keep_serving stale 1 0-1", 2);
        m.resume();
        RecoveryOutcome o = join(m.recoveryFinished());
        assertThat(o).isEqualTo(new RecoveryOutcome(RecoveryOutcome.Status.DEGRADED, 6, 8,
                "2 regions could not be resynced onto leg 1 (bad)"));
        assertThat(m.legHealth()).isEqualTo("AS");
        assertThat(m.staleRegions(1)).isEqualTo(regions(0, 1));
        bad.heal();
        byte[] data = random(9, 4096);
        put(m, 4 * REGION, data);                        // the leg still takes writes of its good regions
        assertThat(get(b, 4 * REGION, 4096)).isEqualTo(data);
        assertThat(get(m, 0, SIZE)).isEqualTo(get(a, 0, SIZE));
        assertThat(fx.legFailures).extracting(LegFailure::error).containsExactly(LegError.SYNC);
    }

    @Test
    void aRegionWithoutAGoodCopyIsNeitherServedNorResynced() {
        fx.add("a", a).add("b", b);
        MirrorTarget m = fx.create(1024, "core 2 128 nosync 2 a 0 b 0 7 keep_serving stale 0 3 stale 1 3", 1);
        assertFails(() -> get(m, 3 * REGION, 512), "could read region 3");
        assertFails(() -> join(m.write(3 * REGION, ByteBuffer.allocate(512), false)), "region 3 has no good copy");
        m.resume();
        assertThat(join(m.recoveryFinished())).isEqualTo(new RecoveryOutcome(RecoveryOutcome.Status.DEGRADED, 7, 8,
                "1 regions have no good copy to resync from"));
    }

    @Test
    void readsOfInSyncRegionsAreBalancedOverTheLegsInEveryMode() {
        for (String features : List.of("", " 1 keep_serving")) {
            MirrorFixture f = new MirrorFixture();
            FaultyDevice fa = new FaultyDevice(a);
            FaultyDevice fb = new FaultyDevice(b);
            f.add("a", fa).add("b", fb);
            MirrorTarget m = f.create(1024, "core 2 128 nosync 2 a 0 b 0" + features, 1);
            for (int i = 0; i < 100; i++) {
                get(m, 7 * REGION, 4096);
            }
            assertThat(List.of(fa.reads(), fb.reads())).as(features).containsExactly(50, 50);
        }
        FaultyDevice fb = new FaultyDevice(b);
        fx.add("a", a).add("b", fb);
        MirrorTarget outOfSync = fx.create(1024, "core 1 128 2 a 0 b 0", 1);
        for (int i = 0; i < 10; i++) {
            get(outOfSync, 0, 4096);
        }
        assertThat(fb.reads()).isZero();                // pvmove: out-of-sync regions are read from the source only
    }

    @Test
    void aReadFallsOverToTheNextGoodLegOnly() {
        FaultyDevice fa = new FaultyDevice(a);
        FaultyDevice fb = new FaultyDevice(b);
        FaultyDevice fc = new FaultyDevice(c);
        byte[] content = random(10, SIZE);
        put(a, 0, content);
        put(b, 0, content);
        put(c, 0, random(11, SIZE));
        fx.add("a", fa).add("b", fb).add("c", fc);
        MirrorTarget m = fx.create(1024, "core 2 128 nosync 3 a 0 b 0 c 0 4 keep_serving stale 2 0", 1);
        fa.failReads();
        assertThat(get(m, 100, 4000)).isEqualTo(java.util.Arrays.copyOfRange(content, 100, 4100));
        assertThat(fc.reads()).isZero();
        assertThat(m.legHealth()).isEqualTo("RAA");
        fb.failReads();
        assertFails(() -> get(m, 100, 4000), "could read region 0");
        assertThat(fc.reads()).isZero();
        assertThat(fx.legFailures).extracting(LegFailure::error).containsExactly(LegError.READ, LegError.READ);
    }

    @Test
    void aFailedLegFlushMakesTheWholeLegStale() {
        FaultyDevice fb = new FaultyDevice(b);
        fx.add("a", a).add("b", fb);
        MirrorTarget m = fx.create(1024, "core 2 128 nosync 2 a 0 b 0 1 keep_serving", 1);
        byte[] data = random(12, 4096);
        put(m, 0, data);
        fb.failWrites();
        join(m.flush());                                 // leg a flushed
        assertThat(fx.staleLegs).containsExactly(1);
        assertThat(m.staleRegions(1).cardinality()).isEqualTo(8);
        assertThat(m.regionsInSync()).isZero();
        assertThat(m.legHealth()).isEqualTo("AF");
        assertThat(get(m, 0, 4096)).isEqualTo(data);
        fx.refuseStaleRecords = true;
        assertFails(() -> join(m.flush()), "stale leg 1 could not be recorded");
    }
}
