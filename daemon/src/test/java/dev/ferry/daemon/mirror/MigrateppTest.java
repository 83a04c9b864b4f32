package dev.ferry.daemon.mirror;

import static dev.ferry.daemon.mirror.MirrorFixture.MIB;
import static dev.ferry.daemon.mirror.MirrorFixture.pattern;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.daemon.model.Area;
import dev.ferry.daemon.model.ErrorCode;
import dev.ferry.daemon.model.LvCreateRequest;
import dev.ferry.daemon.model.MirrorLayout;
import dev.ferry.daemon.model.Segment;
import dev.ferry.daemon.model.SizeSpec;
import dev.ferry.daemon.model.VolumeException;
import dev.ferry.daemon.testing.Poll;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * migratepp over real PV files and a live mirror: the copy moves by extend, resync and reduce (reduce first with
 * three copies), faults on the destination give AIX's outcomes, and the metadata, the LV's data and every copy on
 * disk agree afterwards.
 */
class MigrateppTest {
    private static final long LE = 3;

    @TempDir
    Path root;
    private MirrorFixture f;

    @BeforeEach
    void setUp() throws Exception {
        f = new MirrorFixture(root);
    }

    @AfterEach
    void tearDown() throws Exception {
        f.close();
    }

    /** Runs the migratepp job to its end; a job that ended FAILED throws its error, as a refusal does. */
    private ResyncProgress migrate(Area from, String dstPv, long dstPe) {
        return f.end(f.mirrors.migratepp("vg", f.name(from), from.startPe(), dstPv, dstPe));
    }

    private ErrorCode refusal(Runnable call) {
        try {
            call.run();
        } catch (VolumeException e) {
            return e.code();
        }
        throw new AssertionError("not refused");
    }

    /** Every copy of every LE holds the LV's bytes of that LE, unless stale. */
    private void assertGoodCopiesHold(byte[] data) throws Exception {
        for (long le = 0; le < f.lv().extentCount(); le++) {
            for (Area a : f.copies(le)) {
                if (!a.stale()) {
                    byte[] expected = java.util.Arrays.copyOfRange(data, (int) (le * MIB), (int) ((le + 1) * MIB));
                    assertThat(f.copyBytes(a)).as("copy of LE %d on %s:%d", le, f.name(a), a.startPe())
                            .isEqualTo(expected);
                }
            }
        }
    }

    @Test
    void twoCopiesMoveUnderAConcurrentWriter() throws Exception {
        f.mirror(8, 2);
        byte[] data = pattern(1, (int) (8 * MIB));
        f.write(0, data);
        Area from = f.copies(LE).get(0);
        Area other = f.copies(LE).get(1);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread writer = new Thread(() -> {
            Random r = new Random(7);
            try {
                while (!stop.get()) {
                    long off = (2 * MIB) + r.nextInt((int) (3 * MIB / 4096)) * 4096L;   // LEs 2..4
                    byte[] block = pattern(r.nextLong(), 4096);
                    f.write(off, block);
                    System.arraycopy(block, 0, data, (int) off, block.length);
                }
            } catch (Throwable t) {
                failed.set(t);
            }
        });
        writer.start();
        Thread.sleep(100);
        ResyncProgress result = migrate(from, f.pv(5), 10);
        Thread.sleep(100);
        stop.set(true);
        writer.join();

        assertThat(failed.get()).isNull();
        assertThat(result.outcome()).isEqualTo("SUCCESS");
        assertThat(result.request().verb()).isEqualTo("migratepp");
        assertThat(result.copiedBytes()).isEqualTo(MIB);
        assertThat(f.copies(LE)).containsExactly(other, new Area(f.vg().pvByName(f.pv(5)).orElseThrow().uuid(), 10));
        assertThat(MirrorLayout.staleCopies(f.lv())).isZero();
        f.awaitInSync();
        assertThat(f.read(0, (int) (8 * MIB))).isEqualTo(data);
        assertGoodCopiesHold(data);
    }

    @Test
    void aSingleCopyMoves() throws Exception {
        f.mirror(8, 2);
        byte[] data = pattern(2, (int) (8 * MIB));
        f.write(0, data);
        Area second = f.copies(LE).get(1);
        f.commit(lv -> LeCopies.withRemoved(lv, LE, second.pv(), second.startPe()));
        Area from = f.copies(LE).get(0);

        ResyncProgress result = migrate(from, f.pv(5), 20);

        assertThat(result.outcome()).isEqualTo("SUCCESS");
        assertThat(f.copies(LE)).containsExactly(new Area(f.vg().pvByName(f.pv(5)).orElseThrow().uuid(), 20));
        assertThat(f.read(0, (int) (8 * MIB))).isEqualTo(data);
        assertGoodCopiesHold(data);
    }

    @Test
    void aThirdCopyMovesReducingFirst() throws Exception {
        f.mirror(8, 3);
        byte[] data = pattern(3, (int) (8 * MIB));
        f.write(0, data);
        List<Area> before = f.copies(LE);

        ResyncProgress result = migrate(before.get(1), f.pv(5), 30);

        assertThat(result.outcome()).isEqualTo("SUCCESS");
        assertThat(f.copies(LE)).containsExactly(before.get(0), before.get(2),
                new Area(f.vg().pvByName(f.pv(5)).orElseThrow().uuid(), 30));
        assertThat(f.read(0, (int) (8 * MIB))).isEqualTo(data);
        assertGoodCopiesHold(data);
    }

    /**
     * Under a rate limit the move of the last LE copies that one extent onto the new copy and nothing else: not the
     * LEs without a copy on the new leg, not the old copy's other legs, and nothing once the old copy has gone
     * (counted by the LV's resync bytes over every reload).
     */
    @ParameterizedTest(name = "{0} copies")
    @ValueSource(ints = {2, 3})
    void aHighLeMovedUnderARateLimitCopiesThatExtentOnly(int copies) throws Exception {
        f.mirror(8, copies);
        byte[] data = pattern(4, (int) (8 * MIB));
        f.write(0, data);
        f.volumes.lvchangeRecoveryRate("vg", "m", MIB);   // the extent: about 1 s
        long before = f.volumes.activator().mirrorResyncedBytes("vg", "m");
        Area from = f.copies(7).get(0);

        ResyncProgress result = migrate(from, f.pv(5), 40);
        f.awaitInSync();

        assertThat(result.outcome()).isEqualTo("SUCCESS");
        assertThat(f.copies(7)).hasSize(copies).doesNotContain(from);
        assertThat(f.volumes.activator().mirrorResyncedBytes("vg", "m") - before).as("bytes copied").isEqualTo(MIB);
        assertThat(f.read(0, (int) (8 * MIB))).isEqualTo(data);
        assertGoodCopiesHold(data);
    }

    @Test
    void aDestinationFailingWritesMovesTheCopyStaleWithResyncFailed() throws Exception {
        f.mirror(8, 2);
        byte[] data = pattern(4, (int) (8 * MIB));
        f.write(0, data);
        List<Area> before = f.copies(LE);
        f.failingWrites.add(f.pv(5));

        ResyncProgress result = migrate(before.get(0), f.pv(5), 10);

        assertThat(result.outcome()).isEqualTo("RESYNC_FAILED");
        assertThat(f.copies(LE)).containsExactly(before.get(1),
                new Area(f.vg().pvByName(f.pv(5)).orElseThrow().uuid(), 10, null, true));
        assertThat(f.read(0, (int) (8 * MIB))).isEqualTo(data);
        assertGoodCopiesHold(data);
    }

    @Test
    void aSingleCopyWhoseDestinationFailsIsBackedOutWithMigrateFail() throws Exception {
        // one LE: a failed flush of the new leg makes the whole leg stale, so no other LE may share that leg
        f.mirror(1, 2);
        byte[] data = pattern(5, (int) MIB);
        f.write(0, data);
        Area second = f.copies(0).get(1);
        f.commit(lv -> LeCopies.withRemoved(lv, 0, second.pv(), second.startPe()));
        List<Segment> before = f.lv().segments();
        f.failingWrites.add(f.pv(5));

        assertThat(refusal(() -> migrate(f.copies(0).get(0), f.pv(5), 10))).isEqualTo(ErrorCode.MIGRATE_FAIL);

        assertThat(f.lv().segments()).isEqualTo(before);
        assertThat(f.read(0, (int) MIB)).isEqualTo(data);
        assertGoodCopiesHold(data);
    }

    @Test
    void movingTheOnlyGoodOfThreeCopiesIsRefusedWithInvlpred() throws Exception {
        f.mirror(8, 3);
        Thread.sleep(500);   // the initial sync's last good marks are committed
        f.commitOnly(lv -> MirrorLayout.withStale(MirrorLayout.withStale(lv, 1, LE, LE + 1, true), 2, LE, LE + 1,
                true));
        List<Segment> before = f.lv().segments();

        assertThat(refusal(() -> migrate(f.copies(LE).get(0), f.pv(5), 10))).isEqualTo(ErrorCode.INVLPRED);
        assertThat(f.lv().segments()).isEqualTo(before);
    }

    @Test
    void aThirdCopyWhoseDestinationCannotBeOpenedComesBackStaleWithMigrateFail() throws Exception {
        f.mirror(8, 3);
        byte[] data = pattern(6, (int) (8 * MIB));
        f.write(0, data);
        List<Area> before = f.copies(LE);
        f.unopenable.add(f.pv(5));

        assertThat(refusal(() -> migrate(before.get(2), f.pv(5), 10))).isEqualTo(ErrorCode.MIGRATE_FAIL);

        // the old copy is back (stale, then resynced by the live mirror in the background)
        assertThat(f.copies(LE).stream().map(a -> a.withStale(false)).toList()).containsExactlyElementsOf(before);
        Poll.until(Duration.ofSeconds(30), "re-added copy resynced", () -> !f.copies(LE).get(2).stale());
        assertThat(f.read(0, (int) (8 * MIB))).isEqualTo(data);
        assertGoodCopiesHold(data);
    }

    @Test
    void aThirdCopyThatCannotBeReAddedIsLost() throws Exception {
        f.mirror(1, 3);
        byte[] data = pattern(7, (int) MIB);
        f.write(0, data);
        List<Area> before = f.copies(0);
        f.unopenable.add(f.pv(5));
        f.unopenable.add(f.name(before.get(2)));

        assertThat(refusal(() -> migrate(before.get(2), f.pv(5), 10))).isEqualTo(ErrorCode.LOSTPP);

        assertThat(f.copies(0)).containsExactly(before.get(0), before.get(1));
        assertThat(f.read(0, (int) MIB)).isEqualTo(data);
        assertGoodCopiesHold(data);
    }

    @Test
    void anExtentWithACopyBeingResyncedIsRefusedWithInresync() throws Exception {
        f.mirror(8, 2);
        List<Area> before = f.copies(LE);
        f.faulty.get(f.name(before.get(1))).failWrites();
        f.write(LE * MIB, pattern(8, 4096));   // the copy on leg 1 goes stale and cannot be resynced

        assertThat(refusal(() -> migrate(before.get(0), f.pv(5), 10))).isEqualTo(ErrorCode.INRESYNC);
        assertThat(f.copies(LE)).containsExactly(before.get(0), before.get(1).withStale(true));
    }

    @Test
    void badParametersAreRefusedWithInvalidArgument() throws Exception {
        f.mirror(8, 2);
        f.volumes.lvcreate(LvCreateRequest.linear("vg", "plain", SizeSpec.parseSize("2m")));
        Area from = f.copies(LE).get(0);
        Area other = f.copies(LE).get(1);
        Area elsewhere = f.copies(LE + 1).get(1);
        Area plain = f.vg().requireLv("plain").segments().get(0).areas().get(0);
        List<Segment> before = f.lv().segments();

        assertThat(refusal(() -> f.mirrors.migratepp("vg", "/no/such", 0, f.pv(5), 0)))
                .isEqualTo(ErrorCode.INVALID_ARGUMENT);
        assertThat(refusal(() -> migrate(from, f.pv(5), 64))).as("PE out of range")
                .isEqualTo(ErrorCode.INVALID_ARGUMENT);
        assertThat(refusal(() -> f.mirrors.migratepp("vg", f.pv(5), 0, f.pv(5), 1))).as("source not allocated")
                .isEqualTo(ErrorCode.INVALID_ARGUMENT);
        assertThat(refusal(() -> migrate(from, f.name(elsewhere), elsewhere.startPe()))).as("destination in use")
                .isEqualTo(ErrorCode.INVALID_ARGUMENT);
        assertThat(refusal(() -> migrate(from, f.name(other), 40))).as("destination holds a copy of the LE")
                .isEqualTo(ErrorCode.INVALID_ARGUMENT);
        assertThat(refusal(() -> migrate(from, f.name(from), from.startPe()))).as("source is destination")
                .isEqualTo(ErrorCode.INVALID_ARGUMENT);
        assertThat(refusal(() -> f.mirrors.migratepp("vg", f.vg().pv(plain.pv()).orElseThrow().name(),
                plain.startPe(), f.pv(5), 0))).as("unmirrored LV").isEqualTo(ErrorCode.INVALID_ARGUMENT);
        assertThat(refusal(() -> f.mirrors.migratepp("nope", f.pv(1), 0, f.pv(5), 0))).isEqualTo(ErrorCode.OFFLINE);
        assertThat(f.lv().segments()).isEqualTo(before);
    }
}
