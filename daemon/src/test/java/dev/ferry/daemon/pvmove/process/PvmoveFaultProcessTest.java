package dev.ferry.daemon.pvmove.process;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.daemon.testing.AckedBlockWriter;
import dev.ferry.daemon.testing.ChildProcesses;
import dev.ferry.daemon.testing.FaultyDisk;
import dev.ferry.daemon.testing.FerryDaemon;
import dev.ferry.daemon.testing.Poll;
import dev.ferry.daemon.testing.TmpfsMount;
import dev.ferry.mapper.testing.Seeds;
import dev.ferry.nbd.client.NbdClient;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Moves through a real daemon onto and off REAL failing storage while a writer keeps writing with FUA: a
 * destination that runs out of space (a sparse PV file on a small tmpfs), a destination whose extent area returns
 * EIO on writes, one dead metadata area included, and a mirror leg whose reads return EIO (the EIO disks are
 * nbdkit's eval plugin behind nbdfuse, see {@link FaultyDisk}). A failing destination holds the move (HELD, with
 * {@code MIGRATE_FAIL} naming the cause, short of 100%), and {@code pvmove --abort} then backs it out; a failing
 * source fails it (FAILED). Writes keep being acknowledged; the LVs end on the source (plus, without
 * {@code --atomic}, the segments that had COMPLETED); no pvmove LV is left; the daemon goes on serving (a later
 * move to a healthy PV completes); and every acknowledged write reads back, also after a kill -9 and restart.
 * Where the daemon falls short of that (a dead metadata area, reads of a mirror whose default leg cannot be
 * read) the test's javadoc says what it does instead. Seeds are printed; {@code -Dferry.seed=N} replays
 * one.
 */
class PvmoveFaultProcessTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final long MIB = 1 << 20;
    private static final int BLOCK = 4096;
    /** Where extents start on a PV: the label and metadata slots lie before (the default {@code pe_start}). */
    private static final long PE_START = MIB;
    private static final int MIRROR_BLOCK = 64 * 1024;
    /** Writes acknowledged after the failure, proving the LV stays writable. */
    private static final int WRITES_AFTER_FAILURE = 200;

    @RegisterExtension
    final ChildProcesses<FerryDaemon> daemons = new ChildProcesses<>();

    @TempDir
    Path dir;

    private final List<AutoCloseable> storage = new ArrayList<>();
    private FerryDaemon daemon;
    private MoveApi api;

    @AfterEach
    void releaseStorage() throws Exception {
        if (daemon != null) {
            daemon.close(); // the daemon lets go of the PV files before they are unmounted
        }
        for (int i = storage.size() - 1; i >= 0; i--) {
            storage.get(i).close();
        }
    }

    private <T extends AutoCloseable> T owned(T resource) {
        storage.add(resource);
        return resource;
    }

    /** A daemon with VG {@code vg} of 4 MiB extents over {@code pvs} (regular files are created 64 MiB, sparse). */
    private void vg(String... pvs) {
        daemon = daemons.own(FerryDaemon.start(dir));
        api = new MoveApi(daemon);
        for (String pv : pvs) {
            if (pv.startsWith(dir.toString() + "/file-")) {
                daemon.cliOk("pvcreate", "--size", "64m", pv);
            } else {
                daemon.cliOk("pvcreate", pv);
            }
        }
        List<String> args = new ArrayList<>(List.of("vgcreate", "-s", "4M", "vg"));
        args.addAll(List.of(pvs));
        daemon.cliOk(args.toArray(String[]::new));
    }

    /**
     * Moves {@code src} to {@code dst} at 4 MiB/s, fails {@code disk}'s writes once the copy progressed; the move
     * when it stopped (held).
     */
    private JsonNode moveUntilWritesFail(FaultyDisk disk, String src, String dst, boolean atomic) {
        long id = api.start(src, List.of(dst), atomic, "4M").path("id").asLong();
        Poll.until(TIMEOUT, "copy progress", () -> api.percent() > 0);
        disk.failWrites(true);
        return api.awaitEnd(id, TIMEOUT);
    }

    /** What {@link #twoLvsUnderLoad} set up. */
    private record TwoLvs(String firstSha, AckedBlockWriter writer, NbdClient client) {
    }

    /**
     * LVs {@code first} (8 MiB, filled with seeded data whose checksum is returned) and {@code second} (16 MiB, filled
     * by a writer of acknowledged blocks that keeps writing through the client returned) on {@code src}.
     */
    private TwoLvs twoLvsUnderLoad(String src, long seed) {
        daemon.cliOk("lvcreate", "-n", "first", "-L", "8M", "vg", src);
        daemon.cliOk("lvcreate", "-n", "second", "-L", "16M", "vg", src);
        String first = LvData.fill(daemon, "vg/first", seed);
        AckedBlockWriter writer = new AckedBlockWriter(seed, BLOCK, (int) (16 * MIB / BLOCK), 4);
        NbdClient client = daemon.nbdClient("vg/second");
        try {
            writer.fill(client);
            writer.start(client);
        } catch (RuntimeException | Error e) {
            client.close();
            throw e;
        }
        return new TwoLvs(first, writer, client);
    }

    private String file(String name) {
        return dir.resolve("file-" + name).toString();
    }

    // ------------------------------------------------------------------ ENOSPC

    /**
     * Two LVs (8 MiB, then 16 MiB) move onto a 64 MiB sparse PV on a tmpfs with room for its metadata area and
     * 16 MiB of data: without {@code --atomic} the first LV's segment completes and stays there and the second's
     * copy hits ENOSPC half way; with it both mirror at once and both stay on the source.
     */
    @ParameterizedTest(name = "atomic={0}")
    @ValueSource(booleans = {false, true})
    void aDestinationOutOfSpaceFailsTheMoveAndLosesNoAcknowledgedWrite(boolean atomic) throws IOException {
        long seed = Seeds.fresh();
        TmpfsMount tmpfs = owned(TmpfsMount.mount(dir, "tmpfs", 17 * MIB));
        String full = tmpfs.dir().resolve("pv").toString();
        try (RandomAccessFile f = new RandomAccessFile(full, "rw")) {
            // The label and metadata slots (before pe_start = 1 MiB) are allocated up front, so metadata commits
            // overwrite pages the tmpfs already has; only extent data can run out of space.
            f.write(new byte[(int) PE_START]);
            f.setLength(64 * MIB);
        }
        String src = file("a");
        String healthy = file("c");
        vg(src, full, healthy);
        TwoLvs lvs = twoLvsUnderLoad(src, seed);
        String first = lvs.firstSha();
        AckedBlockWriter writer = lvs.writer();
        NbdClient client = lvs.client();
        try {
            JsonNode end = api.awaitEnd(api.start(src, List.of(full), atomic, "16M").path("id").asLong(), TIMEOUT);
            assertDestinationFailed(end, full);
            assertThat(end.path("error").path("message").asText()).contains("No space left on device");
            assertThat(segmentStates(end)).as("segments at the failure").isEqualTo(atomic
                    ? List.of("HELD", "HELD") : List.of("COMPLETED", "HELD"));
            abort(src);
            assertThat(api.devices("vg/first")).containsExactly(atomic ? src : full);
            assertThat(api.devices("vg/second")).containsExactly(src);
            assertNoMoveLeft();
            client = keepWritingThenVerify(writer, client, "vg/second");
            assertThat(LvData.sha256(daemon, "vg/first")).isEqualTo(first);

            writer.start(client);
            api.start(src, List.of(healthy), atomic, null);
            api.awaitIdle(TIMEOUT);
            assertThat(api.devices("vg/second")).containsExactly(healthy);
            assertThat(api.devices("vg/first")).containsExactly(atomic ? healthy : full);
            client = keepWritingThenVerify(writer, client, "vg/second");
            assertThat(LvData.sha256(daemon, "vg/first")).isEqualTo(first);
        } finally {
            client.close();
        }
        assertThat(daemon.stop()).isZero();
    }

    // ------------------------------------------------------------------ EIO on the destination

    /**
     * Two LVs (8 MiB, then 16 MiB) move onto a PV whose writes start to return EIO once the copy made progress:
     * nothing had completed, so in both modes both LVs stay on the source.
     */
    @ParameterizedTest(name = "atomic={0}")
    @ValueSource(booleans = {false, true})
    void aDestinationReturningEioFailsTheMoveAndLosesNoAcknowledgedWrite(boolean atomic) {
        FaultyDisk.assumeUsable();
        long seed = Seeds.fresh();
        FaultyDisk dead = owned(FaultyDisk.create(dir, "dst", 64 * MIB, PE_START));
        String src = file("a");
        String dst = dead.file().toString();
        String healthy = file("c");
        vg(src, dst, healthy);
        TwoLvs lvs = twoLvsUnderLoad(src, seed);
        String first = lvs.firstSha();
        AckedBlockWriter writer = lvs.writer();
        NbdClient client = lvs.client();
        try {
            JsonNode end = moveUntilWritesFail(dead, src, dst, atomic);
            assertDestinationFailed(end, dst);
            assertThat(end.path("error").path("message").asText()).contains("Input/output error");
            abort(src);
            assertThat(api.devices("vg/first")).containsExactly(src);
            assertThat(api.devices("vg/second")).containsExactly(src);
            assertNoMoveLeft();
            client = keepWritingThenVerify(writer, client, "vg/second");
            assertThat(LvData.sha256(daemon, "vg/first")).isEqualTo(first);

            writer.start(client);
            api.start(src, List.of(healthy), atomic, null);
            api.awaitIdle(TIMEOUT);
            assertThat(api.devices("vg/first")).containsExactly(healthy);
            assertThat(api.devices("vg/second")).containsExactly(healthy);
            client = keepWritingThenVerify(writer, client, "vg/second");
            assertThat(LvData.sha256(daemon, "vg/first")).isEqualTo(first);
        } finally {
            client.close();
        }
        assertThat(daemon.stop()).isZero();
    }

    /**
     * A destination dead as a whole, its metadata area included. What the daemon does: the copy fails as above;
     * holding the move is a metadata commit, whose write to the dead PV fails: that PV is lost (no metadata is
     * written to it any more) and the commit holds by the quorum of the other two PVs, so the move is HELD with
     * MIGRATE_FAIL; the abort puts the LVs back on the source by quorum too, no pvmove LV left, and the dead PV is
     * recorded missing. Once the disk
     * answers again a restart finds it present again: every acknowledged write reads back.
     */
    @Test
    void aDestinationDeadMetadataAreaIncludedIsLostAndTheRollbackHoldsByQuorum() {
        FaultyDisk.assumeUsable();
        long seed = Seeds.fresh();
        FaultyDisk dead = owned(FaultyDisk.create(dir, "dst", 64 * MIB, 0));
        String src = file("a");
        String dst = dead.file().toString();
        vg(src, dst, file("c"));
        TwoLvs lvs = twoLvsUnderLoad(src, seed);
        String first = lvs.firstSha();
        AckedBlockWriter writer = lvs.writer();
        NbdClient client = lvs.client();
        try {
            JsonNode end = moveUntilWritesFail(dead, src, dst, false);
            assertHeld(end, "data stays on the source");
            abort(src);
            assertThat(api.allLvNames()).as("rolled back by quorum").contains("first", "second")
                    .doesNotContain("pvmove");
            assertThat(api.devices("vg/first")).containsExactly(src);
            Poll.until(TIMEOUT, "dead PV recorded missing", () -> daemon.cliOk("pvs", "--noheadings", "-o",
                    "pv_attr").out().contains("a-m"));
            keepWriting(writer);

            dead.failWrites(false);
            writer.verifyAndSettle(client);
            client.close();
            daemon.kill9();
            daemon.startAgain();
            api.awaitIdle(TIMEOUT);
            assertThat(api.allLvNames()).doesNotContain("pvmove");
            client = daemon.nbdClient("vg/second");
            writer.verifyAndSettle(client);
            assertThat(LvData.sha256(daemon, "vg/first")).isEqualTo(first);
            System.out.printf("PvmoveFaultProcessTest.deadDestination: after the restart first is on %s, second on %s%n",
                    api.devices("vg/first"), api.devices("vg/second"));
        } finally {
            client.close();
        }
        assertThat(daemon.stop()).isZero();
    }

    // ------------------------------------------------------------------ EIO on reads of a mirrored source

    /**
     * A mirror LV with legs on A and B moves its A leg to C while every read of A's extents returns EIO. What the
     * daemon does: the pvmove mirror copies from its default leg, the source A, so its recovery cannot read
     * ("default leg ... could not be read") and the move FAILS with MIGRATE_FAIL, the leg back on A, no pvmove LV
     * left. Writes keep being acknowledged throughout (they need only the default leg A, whose writes work). Reads
     * of the LV are NOT asserted while A cannot be read: putting the leg back reloads the LV's mirror, whose core
     * region log starts out of sync, so (as in dm-raid1) reads of out-of-sync regions go to the default leg A only
     * and fail although leg B holds every byte. Once A reads again every acknowledged write reads back (also after a restart), the mirror gets
     * back in sync, and the repeated move completes.
     */
    @Test
    void aSourceLegReturningEioOnReadsFailsTheMoveAndLosesNoAcknowledgedWrite() {
        FaultyDisk.assumeUsable();
        long seed = Seeds.fresh();
        FaultyDisk flaky = owned(FaultyDisk.create(dir, "src", 64 * MIB, PE_START));
        String a = flaky.file().toString();
        String b = file("b");
        String c = file("c");
        vg(a, b, c);
        daemon.cliOk("lvcreate", "-n", "mirror", "--type", "mirror", "-m", "1", "--mirrorlog", "core", "-L", "16M",
                "vg", a, b);
        awaitMirrorInSync();
        // Large blocks: every request to A costs an nbdkit script run.
        AckedBlockWriter writer = new AckedBlockWriter(seed, MIRROR_BLOCK, (int) (16 * MIB / MIRROR_BLOCK), 4);
        NbdClient client = daemon.nbdClient("vg/mirror");
        try {
            writer.fill(client);
            writer.start(client);
            long id = api.start(a, List.of(c), false, "4M").path("id").asLong();
            Poll.until(TIMEOUT, "copy progress", () -> api.percent() > 0);
            flaky.failReads(true);
            JsonNode end = api.awaitEnd(id, TIMEOUT);
            assertFailed(end, "default leg " + a + " could not be read");
            assertThat(api.devices("vg/mirror")).containsExactlyInAnyOrder(a, b);
            assertNoMoveLeft();
            keepWriting(writer);

            flaky.failReads(false);
            client = verifyAcrossRestart(writer, client, "vg/mirror");
            awaitMirrorInSync();
            writer.start(client);
            api.start(a, List.of(c), false, null);
            api.awaitIdle(TIMEOUT);
            assertThat(api.devices("vg/mirror")).containsExactlyInAnyOrder(b, c);
            client = keepWritingThenVerify(writer, client, "vg/mirror");
        } finally {
            client.close();
        }
        assertThat(daemon.stop()).isZero();
    }

    private void awaitMirrorInSync() {
        Poll.until(TIMEOUT, "the mirror in sync", () -> daemon.cliOk("lvs", "--noheadings", "-o", "copy_percent",
                "vg/mirror").out().strip().equals("100.00"));
    }

    // ------------------------------------------------------------------ shared checks

    /**
     * The move was held by leg 1, {@code dst}: by a recovery copy (S) or by a foreground write or flush to a region
     * already in sync (D: the disk's EIO may surface on the write or on the flush after it), whichever reached the
     * failing disk first.
     */
    private static void assertDestinationFailed(JsonNode end, String dst) {
        assertHeld(end, "copy to the destination failed (leg 1 (" + dst + ") failed: ");
        assertThat(end.path("error").path("message").asText())
                .containsPattern("failed: (S \\(sync|D \\((write|sync)) failure at ");
    }

    /** The move is HELD with MIGRATE_FAIL naming {@code cause}, short of 100%. */
    private static void assertHeld(JsonNode end, String cause) {
        assertEnded(end, "HELD", cause);
    }

    /** The move ended FAILED with MIGRATE_FAIL naming {@code cause}, short of 100%. */
    private static void assertFailed(JsonNode end, String cause) {
        assertEnded(end, "FAILED", cause);
    }

    /** Aborts the held move off {@code src}: it ends ABORTED. */
    private void abort(String src) {
        assertThat(api.abort(src)).singleElement().satisfies(m -> assertThat(m.path("state").asText())
                .isEqualTo("ABORTED"));
    }

    private static void assertEnded(JsonNode end, String state, String cause) {
        assertThat(end.path("state").asText()).as("state of %s", end).isEqualTo(state);
        assertThat(end.path("error").path("error").asText()).as("error of %s", end).isEqualTo("MIGRATE_FAIL");
        assertThat(end.path("error").path("message").asText()).as("message of %s", end).contains(cause);
        assertThat(end.path("percent").asDouble()).as("percent of %s", end).isLessThan(100);
    }

    private static List<String> segmentStates(JsonNode move) {
        List<String> states = new ArrayList<>();
        move.path("segments").forEach(s -> states.add(s.path("state").asText()));
        return states;
    }

    private void assertNoMoveLeft() {
        assertThat(api.active()).isEmpty();
        assertThat(api.allLvNames()).doesNotContain("pvmove");
    }

    /** Lets the running writer get more writes acknowledged, then stops it: no write may have failed. */
    private static void keepWriting(AckedBlockWriter writer) {
        long before = writer.acknowledged();
        Poll.until(TIMEOUT, WRITES_AFTER_FAILURE + " more acknowledged writes",
                () -> writer.acknowledged() >= before + WRITES_AFTER_FAILURE || writer.failure() != null);
        assertThat(writer.stop()).as("a failed write").isNull();
    }

    /**
     * Verifies every acknowledged write, kills the daemon with -9, restarts it, checks that no move resumed, and
     * verifies again; returns a client of {@code export} on the restarted daemon.
     */
    private NbdClient verifyAcrossRestart(AckedBlockWriter writer, NbdClient client, String export) {
        writer.verifyAndSettle(client);
        client.close();
        daemon.kill9();
        daemon.startAgain();
        assertThat(api.active()).as("moves after the restart").isEmpty();
        assertThat(api.allLvNames()).doesNotContain("pvmove");
        NbdClient again = daemon.nbdClient(export);
        writer.verifyAndSettle(again);
        return again;
    }

    /** {@link #keepWriting} then {@link #verifyAcrossRestart}. */
    private NbdClient keepWritingThenVerify(AckedBlockWriter writer, NbdClient client, String export) {
        keepWriting(writer);
        return verifyAcrossRestart(writer, client, export);
    }
}
