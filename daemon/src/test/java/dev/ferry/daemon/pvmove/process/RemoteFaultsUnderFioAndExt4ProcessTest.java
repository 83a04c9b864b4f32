package dev.ferry.daemon.pvmove.process;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.daemon.testing.ExternalTool;
import dev.ferry.daemon.testing.FerryDaemon;
import dev.ferry.daemon.testing.FioVerifier;
import dev.ferry.daemon.testing.NbdfuseMount;
import dev.ferry.daemon.testing.NetworkNamespaces;
import dev.ferry.daemon.testing.Poll;
import dev.ferry.daemon.testing.SyncedFiles;
import dev.ferry.mapper.testing.Seeds;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each fault of a remote destination at 10, 50 and 90 % of the copy of one move, under the three workloads issue 14
 * names at once: the writer of acknowledged blocks on LV {@code acked} ({@link AckedRemoteHosts}), fio verifying its
 * random writes (crc32c) on LV {@code fio}, and an ext4 file system on LV {@code fs}, mounted through nbdfuse and a
 * loop device, taking synced files all through the move of the three LVs to the remote PV (see {@link #underFioAndExt4}).
 * Every cell ends with the move completed onto the remote PV, no write of fio or of the writer failed or waited past
 * the request timeout plus the reconnect window plus a second, every file reads back by its SHA-256, e2fsck finds the
 * file system clean and every acknowledged block reads back.
 * <ul>
 *   <li>nbdkit killed and started again at once: the link reconnects, resends and replays, the move goes on.</li>
 *   <li>Silent flaps shorter than the reconnect window: each holds the move; a bare {@code pvmove -b} continues.</li>
 *   <li>Silent partitions longer than the window: the link fails, the move is held and the PV recorded missing; the
 *       partition heals, {@code vgextend --restoremissing} puts the PV back and {@code pvmove -b} continues.</li>
 *   <li>Every write failing (nbdkit's error filter): held; the errors stop, the PV is put back if a write of the
 *       hold's metadata to it failed, and {@code pvmove -b} continues.</li>
 *   <li>A server that answers writes past the request timeout (nbdkit restarted at once under its delay filter,
 *       {@value #LATE_WRITE_MS} ms per write): held; the server is restarted without the delay, the PV put back if it
 *       was lost, and {@code pvmove -b} continues.</li>
 * </ul>
 * Every move but the first is atomic, so each LV keeps its copy on the source until the end: a segment switched
 * earlier would live on the remote PV alone at a later fault, and its LV's I/O would rightly fail.
 */
class RemoteFaultsUnderFioAndExt4ProcessTest {

    private static final Duration TIMEOUT = AckedRemoteHosts.TIMEOUT;
    private static final long MIB = 1 << 20;
    /** The copy rate of the moves: the three LVs' 48 MiB in 24 s, so each fault point is reached and passed slowly. */
    private static final String RATE = "2M";
    /** The fault points, in % of the copy. */
    private static final int[] POINTS = {10, 50, 90};
    /** How late the slow server answers each write: past the link's request timeout of 2 s. */
    private static final long LATE_WRITE_MS = 3000;

    @RegisterExtension
    final TwoHosts daemons = new TwoHosts();

    @TempDir
    Path dir;

    @Test
    void nothingIsLostWhenTheServerIsKilledAndRestartedAtTenFiftyAndNinetyPercent() throws IOException {
        underFioAndExt4(AckedRemoteHosts.LINK, Duration.ofSeconds(5), false, "kills", (f, id) -> {
            killAndRestartAtTenFiftyAndNinetyPercent(f, () -> { });
            return f.api().awaitEnd(id, TIMEOUT);
        });
    }

    @Test
    void nothingIsLostThroughFlapsShorterThanTheWindowAtTenFiftyAndNinetyPercent() throws IOException {
        underFioAndExt4(AckedRemoteHosts.LINK_WITHOUT_HEARTBEAT, Duration.ofSeconds(20), true, "flaps", (f, id) -> {
            RemoteDestination hosts = f.hosts();
            for (int i = 0; i < POINTS.length; i++) {
                f.awaitCopied(POINTS[i]);
                hosts.net().partitionBoth(hosts.a(), hosts.b(), NetworkNamespaces.Cut.DROP);
                int flaps = i + 1;
                Poll.until(TIMEOUT, "the link to go reconnecting after cut " + flaps,
                        () -> f.logged("UP -> RECONNECTING") == flaps);
                hosts.net().heal();
                Poll.until(TIMEOUT, "the link to reconnect after cut " + flaps,
                        () -> f.logged("RECONNECTING -> UP") == flaps);
                assertHeld(f, id, "flap " + flaps, "not answered within its deadline");
                f.daemon().cliOk("pvmove", "-b");
            }
            return f.api().awaitEnd(id, TIMEOUT);
        });
    }

    @Test
    void nothingIsLostThroughPartitionsThatFailTheLinkAtTenFiftyAndNinetyPercent() throws IOException {
        underFioAndExt4(AckedRemoteHosts.LINK, Duration.ofSeconds(5), true, "lost links", (f, id) -> {
            RemoteDestination hosts = f.hosts();
            for (int i = 0; i < POINTS.length; i++) {
                f.awaitCopied(POINTS[i]);
                hosts.net().partitionBoth(hosts.a(), hosts.b(), NetworkNamespaces.Cut.DROP);
                int cuts = i + 1;
                Poll.until(TIMEOUT, "the link to fail after cut " + cuts,
                        () -> f.logged("RECONNECTING -> FAILED") == cuts);
                assertHeld(f, id, "partition " + cuts, "data stays on the source");
                assertThat(f.daemon().cliOk("pvs", "--noheadings", "-o", "pv_name,pv_attr").out())
                        .as("the remote PV is missing").containsPattern(f.remotePattern() + "\\s+a-m");
                hosts.net().heal();
                hosts.restoreIfMissing();
                f.daemon().cliOk("pvmove", "-b");
            }
            return f.api().awaitEnd(id, TIMEOUT);
        });
    }

    @Test
    void nothingIsLostWhenEveryWriteFailsAtTenFiftyAndNinetyPercent() throws IOException {
        underFioAndExt4(AckedRemoteHosts.LINK, Duration.ofSeconds(5), true, "failing writes", (f, id) -> {
            RemoteDestination hosts = f.hosts();
            for (int i = 0; i < POINTS.length; i++) {
                f.awaitCopied(POINTS[i]);
                hosts.inject(RemoteDestination.Fault.ERRORS);
                assertHeld(f, id, "errors " + (i + 1), "data stays on the source");
                hosts.repair(RemoteDestination.Fault.ERRORS);
                hosts.restoreIfMissing();
                f.daemon().cliOk("pvmove", "-b");
            }
            return f.api().awaitEnd(id, TIMEOUT);
        });
    }

    @Test
    void nothingIsLostWhenTheServerAnswersWritesPastTheDeadlineAtTenFiftyAndNinetyPercent() throws IOException {
        underFioAndExt4(AckedRemoteHosts.LINK, Duration.ofSeconds(5), true, "late writes", (f, id) -> {
            RemoteDestination hosts = f.hosts();
            for (int i = 0; i < POINTS.length; i++) {
                f.awaitCopied(POINTS[i]);
                hosts.serve(Duration.ofMillis(LATE_WRITE_MS), 1);
                assertHeld(f, id, "late writes " + (i + 1), "data stays on the source");
                hosts.serve(Duration.ZERO, 1);
                hosts.restoreIfMissing();
                f.daemon().cliOk("pvmove", "-b");
            }
            return f.api().awaitEnd(id, TIMEOUT);
        });
    }

    /**
     * Kills nbdkit and starts it again at 10, 50 and 90 % of the copy of {@code f}'s move, each time waiting for the
     * link to reconnect, then runs {@code afterEach}.
     */
    static void killAndRestartAtTenFiftyAndNinetyPercent(AckedRemoteHosts f, Runnable afterEach) {
        for (int i = 0; i < POINTS.length; i++) {
            f.awaitCopied(POINTS[i]);
            f.hosts().inject(RemoteDestination.Fault.KILL9);
            f.hosts().repair(RemoteDestination.Fault.KILL9);
            int restarts = i + 1;
            Poll.until(TIMEOUT, "the link to reconnect after restart " + restarts,
                    () -> f.logged("RECONNECTING -> UP") == restarts);
            afterEach.run();
        }
    }

    /** Waits until move {@code id} is held and checks that its error says {@code expected}; prints it. */
    private static void assertHeld(AckedRemoteHosts f, long id, String fault, String expected) {
        JsonNode held = f.api().awaitState(id, "HELD", TIMEOUT);
        String message = held.path("error").path("message").asText();
        System.out.printf("RemoteFaultsUnderFioAndExt4ProcessTest %s: held at %.1f %%: %s%n", fault,
                held.path("percent").asDouble(), message);
        assertThat(message).as(fault).contains(expected);
    }

    /** What drives a move of {@link #underFioAndExt4} to its end, given the fixture and the move's id. */
    @FunctionalInterface
    private interface Faults {
        JsonNode apply(AckedRemoteHosts f, long id);
    }

    /**
     * Beside the writer of acknowledged blocks on LV {@code acked}: fio verifying its random writes on LV {@code fio}
     * (8 MiB, filled first, so that the copy writes every region), and an ext4 file system on LV {@code fs} (24 MiB)
     * taking synced files (8 directories of 4 files of 128 KiB, rewritten in turn, so it never fills up) all through
     * the move of all three LVs to the remote PV ({@code atomic} or not), which {@code faults} drives to its end. The
     * remote PV's link has settings {@code link} and window {@code reconnectWindow}.
     */
    private void underFioAndExt4(String link, Duration reconnectWindow, boolean atomic, String what, Faults faults)
            throws IOException {
        NbdfuseMount.assumeUsable();
        ExternalTool.assumeInstalled("fio", "fio");
        try (AckedRemoteHosts f = AckedRemoteHosts.start(daemons, dir, link, reconnectWindow)) {
            FerryDaemon daemon = f.daemon();
            RemoteDestination hosts = f.hosts();
            daemon.cliOk("lvcreate", "-n", "fio", "-L", "8M", "vg", hosts.local());
            LvData.fill(daemon, "vg/fio", Seeds.fresh());
            daemon.cliOk("lvcreate", "-n", "fs", "-L", "24M", "vg", hosts.local());
            SyncedFiles files = new SyncedFiles(Seeds.fresh());
            try (NbdfuseMount fs = NbdfuseMount.mount(dir, "fs", daemon.nbdUri("vg/fs"), 24 * MIB, true)) {
                files.write(fs.mountPoint(), "before", 32, 256 * 1024);
                FioVerifier fio = FioVerifier.start(dir, daemon.nbdUri("vg/fio"), 8 * MIB, Seeds.fresh());
                AtomicBoolean moving = new AtomicBoolean(true);
                CompletableFuture<Integer> during = CompletableFuture.supplyAsync(() -> {
                    int batches = 0;
                    for (; moving.get(); batches++) {
                        files.write(fs.mountPoint(), "during-" + batches % 8, 4, 128 * 1024);
                    }
                    return batches;
                });
                try {
                    long id = f.api().start(hosts.local(), List.of(hosts.remote()), atomic, RATE).path("id").asLong();
                    JsonNode end = faults.apply(f, id);
                    moving.set(false);
                    assertThat(during.join()).as("batches of files written during the move").isPositive();
                    assertThat(end.path("state").asText()).as(end.toString()).isEqualTo("COMPLETED");
                    for (String lv : List.of("vg/acked", "vg/fio", "vg/fs")) {
                        assertThat(f.api().devices(lv)).as(lv).containsExactly(hosts.remote());
                    }
                    JsonNode job = fio.stopAndCheck();
                    Duration worst = Duration.ofNanos(job.path("write").path("clat_ns").path("max").asLong());
                    System.out.printf("RemoteFaultsUnderFioAndExt4ProcessTest %s: fio's worst write %s, writer's %s,"
                            + " %s%n", what, worst, f.writer().worstLatency(), end);
                    assertThat(worst).as("no fio write waited past request timeout + window + 1 s")
                            .isLessThanOrEqualTo(f.bound());
                } finally {
                    moving.set(false);
                    fio.kill();
                    awaitQuietly(during);   // on a failure too: a writer still in the mount would keep umount from it
                }
                files.write(fs.mountPoint(), "after", 4, 128 * 1024);
                files.assertUnder(fs.mountPoint());
                fs.unmountAndCheck();
            }
            f.stopWriterAndVerify();
        }
    }

    /** Waits (at most {@link #TIMEOUT}) for {@code task} to end, however it ends. */
    private static void awaitQuietly(CompletableFuture<?> task) {
        try {
            task.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            // its outcome is checked where the test expects it; here it only has to be over
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
