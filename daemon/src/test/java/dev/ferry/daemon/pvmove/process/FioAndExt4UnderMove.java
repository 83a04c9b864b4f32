package dev.ferry.daemon.pvmove.process;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.daemon.testing.ExternalTool;
import dev.ferry.daemon.testing.FerryDaemon;
import dev.ferry.daemon.testing.FioVerifier;
import dev.ferry.daemon.testing.NbdfuseMount;
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
import java.util.function.IntConsumer;

/**
 * The three workloads issue 14 names, at once, under a move across hosts that faults of the remote destination
 * interrupt at 10, 50 and 90 % of the copy ({@link #POINTS}): the writer of acknowledged blocks on LV {@code acked}
 * ({@link AckedRemoteHosts}), fio verifying its random writes (crc32c) on LV {@code fio}, and an ext4 file system on
 * LV {@code fs}, mounted through nbdfuse and a loop device, taking synced files all through the move of the three LVs
 * to the remote PV. The cells using it: {@link RemoteLinkFaultsUnderFioAndExt4ProcessTest} and
 * {@link RemoteServerFaultsUnderFioAndExt4ProcessTest}.
 */
final class FioAndExt4UnderMove {

    /** How long each wait may take. */
    static final Duration TIMEOUT = AckedRemoteHosts.TIMEOUT;
    /** The fault points, in % of the copy. */
    static final int[] POINTS = {10, 50, 90};
    private static final long MIB = 1 << 20;
    /**
     * The copy rate of the moves: the three LVs' 48 MiB in 12 s, so each fault point is reached and passed slowly
     * enough to place the fault there (10 % of the copy take more than a second).
     */
    private static final String RATE = "4M";

    private FioAndExt4UnderMove() {
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

    /**
     * Drives move {@code id} through {@code fault} at each of {@link #POINTS}: waits for the point, runs {@code inject}
     * (given how many times it ran, from 1), waits until the move is held saying {@code expected}, runs
     * {@code repair}, puts the remote PV back if it was recorded missing, and continues the move with a bare
     * {@code pvmove -b}; returns the move's end.
     */
    static JsonNode holdAndContinueAtEachPoint(AckedRemoteHosts f, long id, String fault, String expected,
            IntConsumer inject, Runnable repair) {
        for (int i = 0; i < POINTS.length; i++) {
            f.awaitCopied(POINTS[i]);
            inject.accept(i + 1);
            assertHeld(f, id, fault + " " + (i + 1), expected);
            repair.run();
            f.hosts().restoreIfMissing();
            f.daemon().cliOk("pvmove", "-b");
        }
        return f.api().awaitEnd(id, TIMEOUT);
    }

    /** Waits until move {@code id} is held and checks that its error says {@code expected}; prints it. */
    private static void assertHeld(AckedRemoteHosts f, long id, String fault, String expected) {
        JsonNode held = f.api().awaitState(id, "HELD", TIMEOUT);
        String message = held.path("error").path("message").asText();
        System.out.printf("%s: held at %.1f %%: %s%n", fault, held.path("percent").asDouble(), message);
        assertThat(message).as(fault).contains(expected);
    }

    /** What drives a move of {@link #run} to its end, given the fixture and the move's id. */
    @FunctionalInterface
    interface Faults {
        JsonNode apply(AckedRemoteHosts f, long id);
    }

    /**
     * Beside the writer of acknowledged blocks on LV {@code acked}: fio verifying its random writes on LV {@code fio}
     * (8 MiB, filled first, so that the copy writes every region), and an ext4 file system on LV {@code fs} (24 MiB)
     * taking synced files (8 directories of 4 files of 128 KiB, rewritten in turn, so it never fills up) all through
     * the move of all three LVs to the remote PV ({@code atomic} or not), which {@code faults} drives to its end. The
     * remote PV's link has settings {@code link} and window {@code reconnectWindow}; the hosts and the daemon are
     * {@code daemons}', their files under {@code dir}.
     */
    static void run(TwoHosts daemons, Path dir, String link, Duration reconnectWindow, boolean atomic, String what,
            Faults faults) throws IOException {
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
                    System.out.printf("%s under fio and ext4: fio's worst write %s, writer's %s,"
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
