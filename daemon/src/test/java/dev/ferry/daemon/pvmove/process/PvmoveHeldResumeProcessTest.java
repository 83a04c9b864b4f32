package dev.ferry.daemon.pvmove.process;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.daemon.pvmove.process.RemoteDestination.Fault;
import dev.ferry.daemon.testing.FerryDaemon;
import dev.ferry.daemon.testing.NbdfuseMount;
import dev.ferry.daemon.testing.Poll;
import dev.ferry.daemon.testing.SyncedFiles;
import dev.ferry.mapper.testing.Seeds;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The fault matrix of a move to a remote PV on another host ({@link RemoteDestination}): the server killed with
 * SIGKILL, the link cut with TCP resets, or the server failing every write, at 10, 50 and 90 % of the copy (placed by
 * polling the move's progress under a 4 MiB/s rate limit), while a writer of acknowledged FUA blocks keeps writing a
 * small area of the LV. Each time the move is held (the LV stays on the source and keeps taking writes: none fails,
 * every acknowledged one reads back); once the fault is undone and the daemon restarted (the lost remote PV connects
 * again at start; {@code RestoreMissingProcessTest} puts it back without a restart) the resumed move completes,
 * copying only the delta: at least what was not in sync when it was held, at most that plus the regions the writer's
 * area covers, counted by the move's {@code transferred_bytes}.
 * Afterwards every acknowledged write reads back from the remote PV, and the LV there holds exactly the bytes the
 * source extents hold. And a mounted ext4 file system rides through a killed destination and the resume.
 */
class PvmoveHeldResumeProcessTest {

    private static final Duration TIMEOUT = HeldRemoteMove.TIMEOUT;
    private static final long MIB = 1 << 20;
    /** Acknowledged writes while held, proving the LV keeps serving. */
    private static final int WRITES_WHILE_HELD = 200;
    /**
     * The remote PV's link: a 2 s reconnect window instead of the default 10 s, so that a killed or cut-off server
     * fails the link (and holds the move) sooner; what happens inside the window is RemoteLinkFaultProcessTest's.
     */
    private static final String LINK = "reconnect-window=2s";

    @RegisterExtension
    final TwoHosts daemons = new TwoHosts();

    @TempDir
    Path dir;

    private RemoteDestination hosts;

    static Stream<Arguments> faults() {
        List<Arguments> all = new ArrayList<>();
        for (Fault f : Fault.values()) {
            for (int percent : new int[] {10, 50, 90}) {
                all.add(Arguments.of(f, percent));
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0} at {1}%")
    @MethodSource("faults")
    void aMoveHeldByItsFailingDestinationLosesNoWriteAndResumesCopyingOnlyTheDelta(Fault fault, int percent)
            throws Exception {
        hosts = daemons.open(dir, 64 * MIB, LINK);
        FerryDaemon daemon = hosts.daemon();
        HeldRemoteMove move = HeldRemoteMove.hold(hosts, fault, percent, WRITES_WHILE_HELD, held -> {
            assertThat(held.path("error").path("error").asText()).isEqualTo("MIGRATE_FAIL");
            assertThat(held.path("error").path("message").asText()).as(held.toString()).contains("held");
            assertThat(held.path("segments").get(0).path("state").asText()).isEqualTo("HELD");
        });

        hosts.repair(fault);
        daemon.stop();
        daemon.startAgain();   // the lost remote PV connects again; the held move continues
        MoveApi api = new MoveApi(daemon);
        JsonNode end = api.awaitEnd(api.moves().get(0).path("id").asLong(), TIMEOUT);
        assertThat(end.path("state").asText()).as(end.toString()).isEqualTo("COMPLETED");
        move.assertOnlyTheDeltaCopied("PvmoveHeldResumeProcessTest " + fault + " at " + percent + "%, the resume",
                end.path("transferred_bytes").asLong());
        move.assertOnTheRemotePv();
    }

    /**
     * An ext4 file system on an attached LV (nbdfuse, a loop device, mount) takes files before, during and after a
     * move to the remote PV whose server is killed half way: the move is held, the file system keeps taking files and
     * is clean (e2fsck) when unmounted; after a restart the move completes and every file reads back from the remote
     * PV, the file system still clean.
     */
    @Test
    void aMountedExt4VolumeKeepsItsFilesThroughAKilledDestinationAndTheResume() throws Exception {
        NbdfuseMount.assumeUsable();
        hosts = daemons.open(dir, 64 * MIB, LINK);
        FerryDaemon daemon = hosts.daemon();
        MoveApi api = new MoveApi(daemon);
        long size = 32 * MIB;
        daemon.cliOk("lvcreate", "-n", "fs", "-L", size / MIB + "M", "vg", hosts.local());
        SyncedFiles files = new SyncedFiles(Seeds.fresh());
        try (NbdfuseMount fs = NbdfuseMount.mount(dir, "fs", daemon.nbdUri("vg/fs"), size, true)) {
            // 12 MiB of data copied at 1 MiB/s: the copy skips the file system's holes, so with only a few MiB of data
            // it sometimes copied the last of them before the kill landed, and the move then met the dead destination
            // only in its switching commit (a race of its own, see the notes) instead of in a copy write
            for (int i = 0; i < 6; i++) {
                files.write(fs.mountPoint(), "before-" + i, 8, 256 * 1024);
            }
            long id = api.start(hosts.local(), List.of(hosts.remote()), false, "1M").path("id").asLong();
            files.write(fs.mountPoint(), "during", 8, 256 * 1024);
            Poll.until(TIMEOUT, "half of the copy", () -> api.move(id).path("percent").asDouble() >= 50);
            assertThat(api.move(id).path("percent").asDouble()).as("the kill lands before the copy ends")
                    .isLessThan(100);
            hosts.inject(Fault.KILL9);
            api.awaitState(id, "HELD", TIMEOUT);
            files.write(fs.mountPoint(), "held", 8, 256 * 1024);
            files.assertUnder(fs.mountPoint());
            fs.unmountAndCheck();
        }
        hosts.repair(Fault.KILL9);
        daemon.stop();
        daemon.startAgain();
        JsonNode end = api.awaitEnd(api.moves().get(0).path("id").asLong(), TIMEOUT);
        assertThat(end.path("state").asText()).as(end.toString()).isEqualTo("COMPLETED");
        assertThat(api.devices("vg/fs")).containsExactly(hosts.remote());
        try (NbdfuseMount fs = NbdfuseMount.mount(dir, "fs-again", daemon.nbdUri("vg/fs"), size, false)) {
            files.assertUnder(fs.mountPoint());
            fs.unmountAndCheck();
        }
    }
}
