package dev.ferry.daemon.pvmove.process;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.daemon.testing.AckedBlockWriter;
import dev.ferry.daemon.testing.ExternalTool;
import dev.ferry.daemon.testing.FerryDaemon;
import dev.ferry.daemon.testing.FioVerifier;
import dev.ferry.daemon.testing.NbdfuseMount;
import dev.ferry.daemon.testing.NetworkNamespaces;
import dev.ferry.daemon.testing.Poll;
import dev.ferry.daemon.testing.SyncedFiles;
import dev.ferry.mapper.testing.Seeds;
import dev.ferry.nbd.client.NbdClient;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A remote PV's link under network faults during a move across hosts ({@link RemoteDestination}): a daemon in
 * namespace {@code a} moves an LV, written all along by a writer of acknowledged FUA blocks, from a local PV to a PV
 * exported by {@code nbdkit file} in namespace {@code b}, with short link settings in the PV's URI
 * ({@value #LINK}, and a reconnect window per test), nbdkit serving each connection with one thread (see
 * {@link RemoteDestination#openSerial}). In every case no write of the LV waits longer than the request
 * timeout plus the reconnect window plus a second, and every acknowledged write reads back.
 * <ul>
 *   <li>A silent partition (packets dropped, no reset) at 10, 50 or 90 % of the copy: the destination write on
 *       the wire passes its deadline, so the move is held (its data on the source, which serves the LV); pvs shows the
 *       PV {@code reconnecting}, then {@code failed} when the window ends, and the PV missing; an abort backs out to
 *       the local PV.</li>
 *   <li>Flaps shorter than the window (the same partition, healed once the link is reconnecting) at 10, 50 and
 *       90 % of the copy of one move (rate 2 MiB/s, no heartbeats): each time the link comes back ({@code connected: reconnected N
 *       time(s)}) and the PV is not lost, but the move is held: the destination write that was on the wire at the cut
 *       timed out, and a timed-out write is not resent (its range is undefined), so the destination leg failed. A bare
 *       {@code pvmove -b} continues the move over the reconnected link after the first two, a bare {@code pvmove}
 *       to completion after the third.</li>
 *   <li>nbdkit killed and started again at once, at 10, 50 and 90 % of the copy of one move: each time the link
 *       reconnects, resends what was on the wire and replays the writes acknowledged since the last FLUSH, so the
 *       move goes on and completes.</li>
 *   <li>The flaps and the kill-and-restart again, with fio verifying its writes on a second LV and a mounted ext4 file
 *       system taking files on a third, moved in the same move.</li>
 * </ul>
 */
class RemoteLinkFaultProcessTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final long MIB = 1 << 20;
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(2);
    /** The copy rate of the moves: 16 MiB in 8 s, so each fault point is reached and passed slowly. */
    private static final String RATE = "2M";
    /** The remote PV's link settings but the reconnect window: short, so that the faults play out in seconds. */
    private static final String LINK = "connect-timeout=1s&request-timeout=2s&heartbeat-interval=200ms";
    /**
     * {@link #LINK} without heartbeats, for the flaps: the cut is then always found by a destination write's deadline
     * (the copy writes to the destination at least every second). With heartbeats, a cut while the destination is
     * idle for a heartbeat interval is found by the heartbeat instead, and the writes sent after it are resent on
     * the new connection: no write fails, so the move is not held (seen once in CI), a different case.
     */
    private static final String LINK_WITHOUT_HEARTBEAT = "connect-timeout=1s&request-timeout=2s&heartbeat-interval=0s";

    @RegisterExtension
    final TwoHosts daemons = new TwoHosts();

    @TempDir
    Path dir;

    private RemoteDestination hosts;
    private FerryDaemon daemon;
    private MoveApi api;
    private String local;
    private String remote;
    private AckedBlockWriter writer;
    private Duration window;

    /**
     * The two hosts, the remote PV's link with settings {@code link} and reconnect window {@code reconnectWindow} (long enough for pvs, polled
     * through the CLI on a loaded machine, to see the link reconnecting), and LV {@code acked} on the local PV filled
     * by the writer, which keeps writing; returns the writer's connection.
     */
    private NbdClient start(String link, Duration reconnectWindow) throws IOException {
        window = reconnectWindow;
        hosts = daemons.openSerial(dir, 64 * MIB, link + "&reconnect-window=" + reconnectWindow.toSeconds() + "s");
        daemon = hosts.daemon();
        api = new MoveApi(daemon);
        local = hosts.local();
        remote = hosts.remote();
        daemon.cliOk("lvcreate", "-n", "acked", "-L", "16M", "vg", local);
        writer = new AckedBlockWriter(Seeds.fresh(), 4096, (int) (16 * MIB / 4096), 4);
        NbdClient c = daemon.nbdClient("vg/acked");
        writer.fill(c);
        writer.start(c);
        return c;
    }

    @ParameterizedTest(name = "at {0}%")
    @ValueSource(ints = {10, 50, 90})
    void aSilentPartitionOfTheDestinationHoldsTheMoveWithinTheLinkDeadlines(int percent) throws IOException {
        try (NbdClient c = start(LINK, Duration.ofSeconds(5))) {
            long id = api.start(local, List.of(remote), false, RATE).path("id").asLong();
            awaitCopied(percent);
            hosts.net().partitionBoth(hosts.a(), hosts.b(), NetworkNamespaces.Cut.DROP);

            List<String> seen = healthUntil(h -> h.startsWith("failed"));
            // the link went RECONNECTING before it failed: pvs, polled through a CLI that starts a JVM per call, can
            // miss the window on a loaded machine, so the daemon's log of the link's transitions is the witness
            assertThat(daemon.log()).as("the link went reconnecting, then failed").contains("UP -> RECONNECTING",
                    "RECONNECTING -> FAILED");
            assertThat(seen.get(seen.size() - 1)).contains("no connection within the reconnect window of PT5S");

            JsonNode held = api.awaitState(id, "HELD", TIMEOUT);
            assertThat(held.path("error").path("error").asText()).isEqualTo("MIGRATE_FAIL");
            assertThat(held.path("error").path("message").asText()).contains("data stays on the source");
            assertThat(daemon.cliOk("pvs", "--noheadings", "-o", "pv_name,pv_attr").out())
                    .as("the remote PV is missing").containsPattern(pvPattern() + "\\s+a-m");
            long ackedHeld = writer.acknowledged();
            Poll.until(TIMEOUT, "writes while held", () -> writer.acknowledged() > ackedHeld + 100);
            JsonNode end = api.abort(local).get(0);
            assertThat(end.path("state").asText()).as(end.toString()).isEqualTo("ABORTED");
            assertThat(api.devices("vg/acked")).containsExactly(local);
            long ackedAtEnd = writer.acknowledged();
            Poll.until(TIMEOUT, "writes after the abort", () -> writer.acknowledged() > ackedAtEnd + 100);
            assertThat(writer.stop()).isNull();
            assertThat(writer.worstLatency()).as("no LV write waited past request timeout + window + 1 s")
                    .isLessThanOrEqualTo(REQUEST_TIMEOUT.plus(window).plusSeconds(1));
            writer.verifyAndSettle(c);
        }
    }

    @Test
    void flapsShorterThanTheWindowAtTenFiftyAndNinetyPercentEachHoldTheMoveAndABarePvmoveCompletesIt()
            throws IOException {
        try (NbdClient c = start(LINK_WITHOUT_HEARTBEAT, Duration.ofSeconds(20))) {
            long id = api.start(local, List.of(remote), false, RATE).path("id").asLong();
            int[] points = {10, 50, 90};
            for (int i = 0; i < points.length; i++) {
                int point = points[i];
                Poll.until(TIMEOUT, point + " % of the copy", () -> api.percent() >= point);
                hosts.net().partitionBoth(hosts.a(), hosts.b(), NetworkNamespaces.Cut.DROP);
                // the daemon's log is the witness of the link going RECONNECTING: pvs, polled through a CLI that
                // starts a JVM per call, can miss a short spell of it on a loaded machine
                int flaps = i + 1;
                Poll.until(TIMEOUT, "the link to go reconnecting",
                        () -> count(daemon.log(), "UP -> RECONNECTING") == flaps);
                hosts.net().heal();
                List<String> seen = healthUntil(h -> !h.startsWith("reconnecting"));
                assertThat(seen.get(seen.size() - 1)).as("flap at %d %%: %s", point, seen)
                        .startsWith("connected: reconnected " + (i + 1) + " time(s)");

                JsonNode held = api.awaitState(id, "HELD", TIMEOUT);
                assertThat(held.path("error").path("message").asText()).as("the write on the wire at the cut timed out")
                        .contains("not answered within its deadline (request timeout PT2S", "data stays on the source");
                assertThat(daemon.cliOk("pvs", "--noheadings", "-o", "pv_name,pv_attr").out())
                        .as("the remote PV is not lost").containsPattern(pvPattern() + "\\s+a--");
                long before = held.path("transferred_bytes").asLong();
                if (i < points.length - 1) {
                    daemon.cliOk("pvmove", "-b");
                    continue;
                }
                daemon.cliOk("pvmove", "-i", "1");
                JsonNode end = api.move(id);
                assertThat(end.path("state").asText()).as(end.toString()).isEqualTo("COMPLETED");
                // the writer writes all over the LV, so every region may be out of sync: at most one copy of it
                assertThat(end.path("transferred_bytes").asLong() - before).as("bytes the last continue copied")
                        .isPositive().isLessThanOrEqualTo(16 * MIB);
            }
            assertThat(api.devices("vg/acked")).containsExactly(remote);
            assertThat(writer.stop()).isNull();
            assertThat(writer.worstLatency()).as("no LV write waited past request timeout + window + 1 s")
                    .isLessThanOrEqualTo(REQUEST_TIMEOUT.plus(window).plusSeconds(1));
            writer.verifyAndSettle(c);
        }
    }

    /**
     * nbdkit killed with SIGKILL and started again at once, within the window, at 10, 50 and 90 % of the copy of one
     * move: each time the link reconnects, resends what was on the wire and replays what was acknowledged and not yet
     * flushed (the copy's writes are flushed in groups), so the destination's next FLUSH covers everything; the move
     * completes on the third new connection, and every acknowledged write reads back.
     */
    @Test
    void aServerKilledAndRestartedWithinTheWindowAtTenFiftyAndNinetyPercentLosesNothingAndTheMoveCompletes()
            throws IOException {
        try (NbdClient c = start(LINK, Duration.ofSeconds(5))) {
            long id = api.start(local, List.of(remote), false, RATE).path("id").asLong();
            killAndRestartAtTenFiftyAndNinetyPercent(() -> assertThat(api.move(id).path("state").asText())
                    .as("the move goes on (or, after the last kill, has ended)")
                    .isIn("RUNNING", "COMPLETING", "COMPLETED"));

            JsonNode end = api.awaitEnd(id, TIMEOUT);
            String health = daemon.cliOk("pvs", "--noheadings", "-o", "pv_health", remote).out().strip();
            String pvs = daemon.cliOk("pvs", "--noheadings", "-o", "pv_name,pv_attr").out();
            assertThat(health).startsWith("connected: reconnected 3 time(s)");
            assertThat(end.path("state").asText()).as(end.toString()).isEqualTo("COMPLETED");
            assertThat(api.devices("vg/acked")).containsExactly(remote);
            assertThat(pvs).containsPattern(pvPattern() + "\\s+a--");
            assertThat(writer.stop()).isNull();
            assertThat(writer.worstLatency()).as("no LV write waited past request timeout + window + 1 s")
                    .isLessThanOrEqualTo(REQUEST_TIMEOUT.plus(window).plusSeconds(1));
            writer.verifyAndSettle(c);
        }
    }

    /**
     * The kill-and-restart of the last case under the two other workloads issue 14 names (see {@link #underFioAndExt4}).
     */
    @Test
    void fioVerifyAndAMountedExt4VolumeLoseNothingWhenTheServerIsKilledAndRestartedAtTenFiftyAndNinetyPercent()
            throws IOException {
        underFioAndExt4(LINK, Duration.ofSeconds(5), false, "kills", id -> {
            killAndRestartAtTenFiftyAndNinetyPercent(() -> { });
            return api.awaitEnd(id, TIMEOUT);
        });
    }

    /**
     * Kills nbdkit and starts it again at 10, 50 and 90 % of the copy, each time waiting for the link to reconnect,
     * then runs {@code afterEach}.
     */
    private void killAndRestartAtTenFiftyAndNinetyPercent(Runnable afterEach) {
        int[] points = {10, 50, 90};
        for (int i = 0; i < points.length; i++) {
            awaitCopied(points[i]);
            hosts.inject(RemoteDestination.Fault.KILL9);
            hosts.repair(RemoteDestination.Fault.KILL9);
            int restarts = i + 1;
            Poll.until(TIMEOUT, "the link to reconnect after restart " + restarts,
                    () -> count(daemon.log(), "RECONNECTING -> UP") == restarts);
            afterEach.run();
        }
    }

    /**
     * The flaps of the second case under the two other workloads issue 14 names (see {@link #underFioAndExt4}): each
     * holds the move (the destination write on the wire at the cut timed out), the LVs keep serving from the source,
     * and a bare {@code pvmove -b} continues it over the reconnected link. The move is atomic, so every LV keeps its
     * copy on the source until the end: a segment moved first would otherwise live on the remote PV alone at the later
     * cuts, and its LV's I/O would rightly fail (and, since a flush of the pvmove device flushes all of its segments, so
     * would a flush of the LVs still being copied; see remote-pvs.md, "Not yet").
     */
    @Test
    void fioVerifyAndAMountedExt4VolumeLoseNothingThroughFlapsAtTenFiftyAndNinetyPercent() throws IOException {
        underFioAndExt4(LINK_WITHOUT_HEARTBEAT, Duration.ofSeconds(20), true, "flaps", id -> {
            int[] points = {10, 50, 90};
            for (int i = 0; i < points.length; i++) {
                awaitCopied(points[i]);
                hosts.net().partitionBoth(hosts.a(), hosts.b(), NetworkNamespaces.Cut.DROP);
                int flaps = i + 1;
                Poll.until(TIMEOUT, "the link to go reconnecting after cut " + flaps,
                        () -> count(daemon.log(), "UP -> RECONNECTING") == flaps);
                hosts.net().heal();
                Poll.until(TIMEOUT, "the link to reconnect after cut " + flaps,
                        () -> count(daemon.log(), "RECONNECTING -> UP") == flaps);
                JsonNode held = api.awaitState(id, "HELD", TIMEOUT);
                assertThat(held.path("error").path("message").asText()).as("flap %d", flaps)
                        .contains("not answered within its deadline", "data stays on the source");
                daemon.cliOk("pvmove", "-b");
            }
            return api.awaitEnd(id, TIMEOUT);
        });
    }

    /**
     * Beside the writer of acknowledged blocks on LV {@code acked}: fio verifying its random writes (crc32c) on LV
     * {@code fio}, and an ext4 file system on LV {@code fs}, mounted through nbdfuse and a loop device, taking synced
     * files (a few rewritten over and over) all through the move of all three LVs to the remote PV ({@code atomic} or
     * not), which {@code faults} (given the move's id) drives to its end. The move must complete onto the remote PV, fio must see
     * no error and no verify error and no write of it wait past the bound, every file must read back by its SHA-256,
     * e2fsck must find the file system clean, and every acknowledged block must read back.
     */
    private void underFioAndExt4(String link, Duration reconnectWindow, boolean atomic, String what,
            Function<Long, JsonNode> faults) throws IOException {
        NbdfuseMount.assumeUsable();
        ExternalTool.assumeInstalled("fio", "fio");
        try (NbdClient c = start(link, reconnectWindow)) {
            Duration bound = REQUEST_TIMEOUT.plus(window).plusSeconds(1);
            daemon.cliOk("lvcreate", "-n", "fio", "-L", "8M", "vg", local);
            LvData.fill(daemon, "vg/fio", Seeds.fresh());   // data everywhere: the copy writes every region
            daemon.cliOk("lvcreate", "-n", "fs", "-L", "24M", "vg", local);
            SyncedFiles files = new SyncedFiles(Seeds.fresh());
            try (NbdfuseMount fs = NbdfuseMount.mount(dir, "fs", daemon.nbdUri("vg/fs"), 24 * MIB, true)) {
                files.write(fs.mountPoint(), "before", 32, 256 * 1024);
                FioVerifier fio = FioVerifier.start(dir, daemon.nbdUri("vg/fio"), 8 * MIB, Seeds.fresh());
                AtomicBoolean moving = new AtomicBoolean(true);
                // 8 directories of 4 files of 128 KiB, rewritten in turn: the file system never fills up
                CompletableFuture<Integer> during = CompletableFuture.supplyAsync(() -> {
                    int batches = 0;
                    for (; moving.get(); batches++) {
                        files.write(fs.mountPoint(), "during-" + batches % 8, 4, 128 * 1024);
                    }
                    return batches;
                });
                try {
                    JsonNode end = faults.apply(api.start(local, List.of(remote), atomic, RATE).path("id").asLong());
                    moving.set(false);
                    assertThat(during.join()).as("batches of files written during the move").isPositive();
                    assertThat(end.path("state").asText()).as(end.toString()).isEqualTo("COMPLETED");
                    for (String lv : List.of("vg/acked", "vg/fio", "vg/fs")) {
                        assertThat(api.devices(lv)).as(lv).containsExactly(remote);
                    }
                    JsonNode job = fio.stopAndCheck();
                    Duration worst = Duration.ofNanos(job.path("write").path("clat_ns").path("max").asLong());
                    System.out.printf("RemoteLinkFaultProcessTest %s under fio and ext4: fio's worst write %s, %s%n",
                            what, worst, end);
                    assertThat(worst).as("no fio write waited past request timeout + window + 1 s")
                            .isLessThanOrEqualTo(bound);
                } finally {
                    moving.set(false);
                    fio.kill();
                    awaitQuietly(during);   // on a failure too: a writer still in the mount would keep umount from it
                }
                files.write(fs.mountPoint(), "after", 4, 128 * 1024);
                files.assertUnder(fs.mountPoint());
                fs.unmountAndCheck();
            }
            assertThat(writer.stop()).isNull();
            assertThat(writer.worstLatency()).as("no LV write waited past request timeout + window + 1 s")
                    .isLessThanOrEqualTo(bound);
            writer.verifyAndSettle(c);
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

    /**
     * Waits until {@code percent} % of the move is copied and checks that it is not all copied yet, so the fault that
     * follows lands during the copy (at {@value #RATE}/s the last 10 % of the LV take most of a second).
     */
    private void awaitCopied(int percent) {
        Poll.until(TIMEOUT, percent + " % of the copy", () -> api.percent() >= percent);
        assertThat(api.percent()).as("the fault lands before the copy ends").isLessThan(100);
    }

    /** The remote PV's health as pvs shows it, each change, polled until {@code done} holds for one. */
    private List<String> healthUntil(Predicate<String> done) {
        List<String> seen = new ArrayList<>();
        Poll.until(TIMEOUT, "the remote PV's health to settle", () -> {
            String h = daemon.cliOk("pvs", "--noheadings", "-o", "pv_health", remote).out().strip();
            if (seen.isEmpty() || !seen.get(seen.size() - 1).equals(h)) {
                seen.add(h);
            }
            return done.test(h);
        });
        return seen;
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int at = text.indexOf(what); at >= 0; at = text.indexOf(what, at + what.length())) {
            n++;
        }
        return n;
    }

    private String pvPattern() {
        return Pattern.quote(remote);
    }
}
