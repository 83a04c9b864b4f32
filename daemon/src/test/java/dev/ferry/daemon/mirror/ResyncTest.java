package dev.ferry.daemon.mirror;

import static dev.ferry.daemon.mirror.MirrorFixture.MIB;
import static dev.ferry.daemon.mirror.MirrorFixture.pattern;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.daemon.model.Area;
import dev.ferry.daemon.model.ErrorCode;
import dev.ferry.daemon.model.MirrorLayout;
import dev.ferry.daemon.model.VolumeException;
import dev.ferry.daemon.operations.MirrorCopyRecorder;
import dev.ferry.daemon.testing.Poll;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * resynclp/lv/pv over real PV files, as background jobs: without force only the stale copies are rewritten (the good
 * leg sees no write), with force every copy but one, and a leg failing during the resync gives NOTSYNCED with the
 * copies left stale, as do copies making no progress for the deadline; under a recovery rate the progress rises while
 * the job runs, and a second resync of the LV is refused with INRESYNC.
 */
class ResyncTest {
    @TempDir
    Path root;
    private MirrorFixture f;
    private byte[] data;
    private String leg0;
    private String leg1;

    @BeforeEach
    void setUp() throws Exception {
        f = new MirrorFixture(root);
        f.mirror(8, 2);
        data = pattern(1, (int) (8 * MIB));
        f.write(0, data);
        leg0 = f.name(f.copies(0).get(0));
        leg1 = f.name(f.copies(0).get(1));
    }

    @AfterEach
    void tearDown() throws Exception {
        f.close();
    }

    /** Makes leg 1's copies of LEs 5..6 stale with writes it fails; they stay stale until a resync. */
    private void staleLeg1() throws Exception {
        f.faulty.get(leg1).failWrites();
        byte[] changed = pattern(2, (int) (2 * MIB));
        f.write(5 * MIB, changed);
        System.arraycopy(changed, 0, data, (int) (5 * MIB), changed.length);
        f.faulty.get(leg1).heal();
        assertThat(MirrorLayout.staleExtents(f.lv(), 1)).isEqualTo(2);
    }

    /** The end of the resync {@code started}. */
    private ResyncProgress end(ResyncProgress started) throws Exception {
        assertThat(started.state()).isEqualTo(ResyncState.RUNNING);
        return f.mirrors.resyncEnd(started.id()).orElseThrow().get(60, TimeUnit.SECONDS);
    }

    /**
     * A heal of stale marks run between a forced resync's commit and its reload (the interleaving made by hand: the
     * commit without the reload, the heal, then the reload): the live mirror, loaded before those marks, has the
     * copies good, yet the heal leaves the marks alone; once the reload has loaded them and recovery has copied them,
     * they are healed.
     */
    @Test
    void aHealBetweenAForcedResyncsCommitAndItsReloadKeepsTheForcedMarks() throws Exception {
        staleLeg1();   // LEs 5-6: marked by the live mirror itself, stale there until a resync

        f.commitOnly(lv -> StaleMarks.allButFirstGood(lv, LongStream.range(0, 8).boxed().toList()));
        MirrorCopyRecorder heal = new MirrorCopyRecorder(f.volumes.manager(), f.volumes.activator());
        try {
            heal.resynced("vg", "m");
            heal.drain();
        } finally {
            heal.close();
        }
        assertThat(MirrorLayout.staleExtents(f.lv(), 1)).as("the forced marks the live mirror never had").isEqualTo(8);

        f.commit(lv -> lv);
        f.awaitInSync();
        Poll.until(Duration.ofSeconds(30), "the loaded marks healed", () -> MirrorLayout.staleExtents(f.lv(), 1) == 0);
        assertCopiesHoldTheData();
    }

    private void assertCopiesHoldTheData() throws Exception {
        assertThat(f.read(0, data.length)).isEqualTo(data);
        for (long le = 0; le < 8; le++) {
            for (Area a : f.copies(le)) {
                assertThat(f.copyBytes(a)).as("LE %d on %s", le, f.name(a))
                        .isEqualTo(java.util.Arrays.copyOfRange(data, (int) (le * MIB), (int) ((le + 1) * MIB)));
            }
        }
    }

    @Test
    void withoutForceOnlyTheStaleCopiesAreRewritten() throws Exception {
        staleLeg1();
        long goodWrites = f.dataWrites.get(leg0).get();

        ResyncProgress end = end(f.mirrors.resynclv("vg", "m", false));

        assertThat(end.state()).isEqualTo(ResyncState.SUCCEEDED);
        assertThat(end.outcome()).isEqualTo("SUCCESS");
        assertThat(end.error()).isNull();
        assertThat(end.totalBytes()).isEqualTo(2 * MIB);
        assertThat(end.copiedBytes()).isEqualTo(2 * MIB);
        assertThat(end.percent()).isEqualTo(100);
        ResyncResult result = end.result();
        assertThat(result.copies()).isEqualTo(2);
        assertThat(result.extents()).isEqualTo(2);
        assertThat(result.lvs()).containsExactly("m");
        assertThat(result.pvs()).containsExactly(leg1);
        assertThat(f.dataWrites.get(leg0).get()).as("writes on the good leg").isEqualTo(goodWrites);
        assertThat(MirrorLayout.staleCopies(f.lv())).isZero();
        assertCopiesHoldTheData();
    }

    @Test
    void nothingStaleRewritesNothing() throws Exception {
        long writes = f.dataWrites.get(leg1).get();

        ResyncProgress end = end(f.mirrors.resynclp("vg", "m", 3, false));

        assertThat(end.outcome()).isEqualTo("SUCCESS");
        assertThat(end.totalBytes()).isZero();
        assertThat(end.percent()).isEqualTo(100);
        ResyncResult result = end.result();
        assertThat(result.copies()).isZero();
        assertThat(result.lvs()).isEmpty();
        assertThat(f.dataWrites.get(leg1).get()).isEqualTo(writes);
    }

    @Test
    void withForceEveryCopyButOneIsRewritten() throws Exception {
        long goodWrites = f.dataWrites.get(leg0).get();
        long otherWrites = f.dataWrites.get(leg1).get();

        ResyncProgress end = end(f.mirrors.resyncpv("vg", leg1, true));

        assertThat(end.outcome()).isEqualTo("SUCCESS");
        assertThat(end.request().verb()).isEqualTo("resyncpv");
        ResyncResult result = end.result();
        assertThat(result.extents()).isEqualTo(8);
        assertThat(result.copies()).isEqualTo(8);
        assertThat(result.pvs()).containsExactly(leg1);
        assertThat(f.dataWrites.get(leg0).get()).as("writes on the source copy").isEqualTo(goodWrites);
        assertThat(f.dataWrites.get(leg1).get() - otherWrites).as("writes on the other copy").isPositive();
        assertThat(MirrorLayout.staleCopies(f.lv())).isZero();
        assertCopiesHoldTheData();
    }

    @Test
    void aLegFailingDuringTheResyncGivesNotsynced() throws Exception {
        f.faulty.get(leg1).failWrites();

        ResyncProgress end = end(f.mirrors.resynclp("vg", "m", 4, true));

        assertThat(end.state()).isEqualTo(ResyncState.NOTSYNCED);
        assertThat(end.outcome()).isEqualTo("NOTSYNCED");
        assertThat(end.error().code()).isEqualTo(ErrorCode.NOTSYNCED);
        assertThat(end.error().message()).contains("m LE 4 (copy 1)", "recovery ended");
        assertThat(end.result().pvs()).containsExactly(leg1);
        assertThat(end.result().copies()).isZero();
        assertThat(end.percent()).isLessThan(100);

        assertThat(f.copies(4).get(1).stale()).isTrue();
        assertThat(f.copies(4).get(0).stale()).isFalse();
        assertThat(f.read(0, data.length)).isEqualTo(data);
    }

    @Test
    void progressRisesUnderTheRecoveryRateAndASecondResyncIsRefused() throws Exception {
        f.volumes.lvchangeRecoveryRate("vg", "m", 2 * MIB);
        ResyncProgress started = f.mirrors.resynclv("vg", "m", true);
        long id = started.id();

        double[] seen = new double[1];
        Poll.until(Duration.ofSeconds(30), "the resync part done", () -> {
            ResyncProgress p = f.mirrors.resync(id);
            seen[0] = p.percent();
            return p.state() == ResyncState.RUNNING && p.percent() > 0 && p.percent() < 100;
        });
        ResyncProgress part = f.mirrors.resync(id);
        assertThat(part.totalBytes()).isEqualTo(8 * MIB);
        assertThat(f.mirrors.resyncs()).extracting(ResyncProgress::id).contains(id);
        assertThatThrownBy(() -> f.mirrors.resynclp("vg", "m", 2, false))
                .isInstanceOfSatisfying(VolumeException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INRESYNC));
        assertThatThrownBy(() -> f.mirrors.migratepp("vg", leg0, f.copies(0).get(0).startPe(), f.pv(4), 20))
                .isInstanceOfSatisfying(VolumeException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INRESYNC));
        double first = seen[0];
        Poll.until(Duration.ofSeconds(30), "the resync further along", () -> {
            ResyncProgress p = f.mirrors.resync(id);
            return p.state() == ResyncState.RUNNING && p.percent() > first && p.percent() < 100;
        });

        ResyncProgress end = end(started);
        assertThat(end.outcome()).isEqualTo("SUCCESS");
        assertThat(end.copiedBytes()).isEqualTo(8 * MIB);
        assertThat(end.result().copies()).isEqualTo(8);
        assertThat(MirrorLayout.staleCopies(f.lv())).isZero();
        assertThat(end(f.mirrors.resynclp("vg", "m", 2, false)).outcome()).as("the LV is free again")
                .isEqualTo("SUCCESS");
        assertCopiesHoldTheData();
    }

    @Test
    void copiesMakingNoProgressForTheDeadlineGiveNotsynced() throws Exception {
        AtomicLong clock = new AtomicLong();
        try (MirrorService mirrors = new MirrorService(f.volumes, Duration.ofSeconds(20), clock::get)) {
            f.volumes.lvchangeRecoveryRate("vg", "m", 1);   // a byte a second: a region now and then, at most
            ResyncProgress started = mirrors.resynclv("vg", "m", true);
            CompletableFuture<ResyncProgress> end = mirrors.resyncEnd(started.id()).orElseThrow();

            Poll.until(Duration.ofSeconds(30), "the job to give up", () -> {
                clock.addAndGet(Duration.ofSeconds(25).toNanos());
                return end.isDone();
            });

            ResyncProgress p = end.get();
            assertThat(p.state()).isEqualTo(ResyncState.NOTSYNCED);
            assertThat(p.error().message()).contains("could not resync m LE", "no progress for 20s");
            assertThat(p.percent()).isLessThan(100);
            assertThat(MirrorLayout.staleCopies(f.lv())).isEqualTo(8 - p.result().copies());
        }
        f.volumes.lvchangeRecoveryRate("vg", "m", 0);
        f.awaitInSync();
    }

    @Test
    void refusals() {
        assertThatThrownBy(() -> f.mirrors.resynclp("vg", "m", 8, false)).hasMessageContaining("has no LE 8");
        assertThatThrownBy(() -> f.mirrors.resynclv("vg", "nope", false))
                .isInstanceOfSatisfying(VolumeException.class, e -> assertThat(e.code())
                        .isEqualTo(ErrorCode.INVALID_ARGUMENT));
        assertThatThrownBy(() -> f.mirrors.resyncpv("gone", leg0, false))
                .isInstanceOfSatisfying(VolumeException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.OFFLINE));
    }
}
