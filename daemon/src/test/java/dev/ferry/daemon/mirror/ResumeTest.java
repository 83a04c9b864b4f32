package dev.ferry.daemon.mirror;

import static dev.ferry.daemon.mirror.MirrorFixture.MIB;
import static dev.ferry.daemon.mirror.MirrorFixture.pattern;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.daemon.model.Area;
import dev.ferry.daemon.model.ErrorCode;
import dev.ferry.daemon.model.MirrorLayout;
import dev.ferry.daemon.model.MirrorLogType;
import dev.ferry.daemon.model.MirrorResync;
import dev.ferry.daemon.model.MirrorWriteConsistency;
import dev.ferry.daemon.model.VolumeException;
import dev.ferry.daemon.testing.Poll;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A mirror job is recorded in its LV's metadata while it runs: a stop (the service closed, as at a daemon stop)
 * leaves the job RUNNING and its record in place, and a new service resumes it from the record (a forced resync as a
 * plain stale resync, a migratepp at its resync step) to its end, which removes the record. Switching the LV's
 * write consistency or log meanwhile keeps the record; converting its copies is refused while a job runs or is
 * recorded.
 */
class ResumeTest {
    @TempDir
    Path root;
    private MirrorFixture f;
    private byte[] data;

    @BeforeEach
    void setUp() throws Exception {
        f = new MirrorFixture(root);
        f.mirror(8, 2);
        data = pattern(11, (int) (8 * MIB));
        f.write(0, data);
    }

    @AfterEach
    void tearDown() throws Exception {
        System.clearProperty(MirrorService.HALT_PROPERTY);
        f.close();
    }

    /** Stops {@code mirrors} once job {@code id} is RUNNING and {@code due}; its progress then. */
    private static ResyncProgress stopWhen(MirrorService mirrors, long id, Supplier<Boolean> due) throws Exception {
        Poll.until(Duration.ofSeconds(30), "the job under way", () -> mirrors.resync(id).state()
                == ResyncState.RUNNING && due.get());
        mirrors.close();
        ResyncProgress stopped = mirrors.resyncEnd(id).orElseThrow().get(30, TimeUnit.SECONDS);
        assertThat(stopped.state()).as("a stop is not a transition").isEqualTo(ResyncState.RUNNING);
        return stopped;
    }

    /**
     * Starts the migratepp of copy {@code from} of LE 3 to PV 5, PE 12, the job halting right after its extend (the
     * test fault point, {@link MirrorService#HALT_PROPERTY}, cleared after each test; a resumed job does not pass
     * it) until the service stops; the job as it starts.
     */
    private ResyncProgress haltedAfterExtend(Area from) {
        System.setProperty(MirrorService.HALT_PROPERTY, "extend");
        return f.mirrors.migratepp("vg", f.name(from), from.startPe(), f.pv(5), 12);
    }

    /** Resumes the recorded jobs in a new service and returns the one resumed, at its end. */
    private ResyncProgress resumeTheOne() throws Exception {
        MirrorService again = new MirrorService(f.volumes, Duration.ofSeconds(20), System::nanoTime);
        try {
            List<ResyncProgress> resumed = again.resumeAll();
            assertThat(resumed).hasSize(1);
            assertThat(resumed.get(0).resumed()).isTrue();
            assertThat(again.resyncs()).extracting(ResyncProgress::id).containsExactly(resumed.get(0).id());
            return again.resyncEnd(resumed.get(0).id()).orElseThrow().get(60, TimeUnit.SECONDS);
        } finally {
            again.close();
        }
    }

    @Test
    void aStoppedForcedResyncResumesAsAPlainStaleResyncAndEnds() throws Exception {
        f.volumes.lvchangeRecoveryRate("vg", "m", 2 * MIB);   // 8 MiB: about 4 s
        ResyncProgress started = f.mirrors.resynclv("vg", "m", true);
        MirrorResync record = f.lv().mirror().resync();
        assertThat(record).isEqualTo(new MirrorResync("resynclv", null, true, List.of(new MirrorResync.Run(0, 8)),
                null));
        assertThat(MirrorLayout.staleExtents(f.lv(), 1)).as("marked in the commit that recorded it").isPositive();

        stopWhen(f.mirrors, started.id(), () -> {
            double percent = f.mirrors.resync(started.id()).percent();
            return percent > 0 && percent < 100;
        });
        assertThat(f.lv().mirror().resync()).as("the record outlives the stop").isEqualTo(record);

        ResyncProgress end = resumeTheOne();
        assertThat(end.state()).isEqualTo(ResyncState.SUCCEEDED);
        assertThat(end.request()).isEqualTo(new ResyncRequest("vg", "m", null, null, true));
        assertThat(f.lv().mirror().resync()).isNull();
        assertThat(MirrorLayout.staleCopies(f.lv())).isZero();
        assertCopiesHoldTheData();
    }

    @Test
    void aStoppedMigrateppResumesAtItsResyncAndDropsTheOldCopy() throws Exception {
        List<Area> before = f.copies(3);
        ResyncProgress started = haltedAfterExtend(before.get(0));
        assertThat(started.request().verb()).isEqualTo("migratepp");

        stopWhen(f.mirrors, started.id(), () -> f.lv().mirror().resync() != null);
        MirrorResync record = f.lv().mirror().resync();
        assertThat(record.move().le()).isEqualTo(3);
        assertThat(record.move().reduce()).isTrue();
        assertThat(f.copies(3)).as("extended, not reduced yet").hasSize(3);

        ResyncProgress end = resumeTheOne();
        assertThat(end.outcome()).isEqualTo("SUCCESS");
        assertThat(end.request().source()).isEqualTo(f.name(before.get(0)) + ":" + before.get(0).startPe());
        Area fresh = new Area(f.vg().pvByName(f.pv(5)).orElseThrow().uuid(), 12);
        assertThat(f.copies(3)).containsExactly(before.get(1), fresh);
        assertThat(f.lv().mirror().resync()).isNull();
        assertCopiesHoldTheData();
    }

    @Test
    void lvchangeMwcDuringAJobKeepsItsRecordAndRateSoTheJobResumes() throws Exception {
        f.volumes.lvchangeRecoveryRate("vg", "m", MIB);   // 8 MiB: about 8 s
        ResyncProgress started = f.mirrors.resynclv("vg", "m", true);
        MirrorResync record = f.lv().mirror().resync();
        Poll.until(Duration.ofSeconds(30), "the job part way", () -> f.mirrors.resync(started.id()).percent() > 0);

        f.volumes.lvchangeMwc("vg", "m", MirrorWriteConsistency.PASSIVE);
        assertThat(f.lv().mirror().consistency()).isEqualTo(MirrorWriteConsistency.PASSIVE);
        assertThat(f.lv().mirror().resync()).as("the record outlives the conversion").isEqualTo(record);
        assertThat(f.lv().mirror().recoveryRate()).as("so does the rate").isEqualTo(MIB);
        f.volumes.lvconvertMirrorLog("vg", "m", MirrorLogType.DISK, null);   // back to a disk log
        assertThat(f.lv().mirror().resync()).isEqualTo(record);

        stopWhen(f.mirrors, started.id(), () -> true);
        ResyncProgress end = resumeTheOne();
        assertThat(end.state()).isEqualTo(ResyncState.SUCCEEDED);
        assertThat(f.lv().mirror().resync()).isNull();
        assertThat(MirrorLayout.staleCopies(f.lv())).isZero();
        assertCopiesHoldTheData();
    }

    @Test
    void aConversionOfTheCopiesIsRefusedWhileAJobRunsOrIsRecorded() throws Exception {
        List<Area> before = f.copies(3);
        ResyncProgress started = haltedAfterExtend(before.get(0));
        for (int mirrors : new int[] {0, 2}) {
            assertThatThrownBy(() -> f.volumes.lvconvert("vg", "m", mirrors, null, null, List.of()))
                    .as("lvconvert -m %d while the job runs", mirrors)
                    .isInstanceOfSatisfying(VolumeException.class, e -> assertThat(e.code())
                            .isEqualTo(ErrorCode.INRESYNC))
                    .hasMessageContaining("vg/m is being resynchronised (migratepp job " + started.id()
                            + " runs on it); retry lvconvert -m once the job has ended");
        }

        stopWhen(f.mirrors, started.id(), () -> f.lv().mirror().resync() != null);
        assertThatThrownBy(() -> f.volumes.lvconvert("vg", "m", 0, null, null, List.of()))
                .as("lvconvert -m 0 with the job recorded, not yet resumed")
                .isInstanceOfSatisfying(VolumeException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INRESYNC))
                .hasMessageContaining("vg/m is being resynchronised (a migratepp job recorded on it)");
        assertThat(f.copies(3)).as("nothing converted").hasSize(3);

        assertThat(resumeTheOne().outcome()).isEqualTo("SUCCESS");
        f.volumes.lvconvert("vg", "m", 0, null, null, List.of());
        assertThat(f.lv().mirrored()).as("converted once the job ended").isFalse();
        assertThat(f.read(0, data.length)).isEqualTo(data);
    }

    private void assertCopiesHoldTheData() throws Exception {
        assertThat(f.read(0, data.length)).isEqualTo(data);
        for (long le = 0; le < 8; le++) {
            for (Area a : f.copies(le)) {
                assertThat(f.copyBytes(a)).as("LE %d on %s", le, f.name(a))
                        .isEqualTo(Arrays.copyOfRange(data, (int) (le * MIB), (int) ((le + 1) * MIB)));
            }
        }
    }
}
