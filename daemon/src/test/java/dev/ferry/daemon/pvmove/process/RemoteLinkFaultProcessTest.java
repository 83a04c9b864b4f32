package dev.ferry.daemon.pvmove.process;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.daemon.testing.FerryDaemon;
import dev.ferry.daemon.testing.NetworkNamespaces;
import dev.ferry.daemon.testing.Poll;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A remote PV's link under network faults during a move across hosts ({@link RemoteDestination}): a daemon in
 * namespace {@code a} moves an LV, written all along by a writer of acknowledged FUA blocks, from a local PV to a PV
 * exported by {@code nbdkit file} in namespace {@code b}, with short link settings in the PV's URI
 * (see {@link AckedRemoteHosts}, and a reconnect window per test), nbdkit serving each connection with one thread (see
 * {@link RemoteDestination#openSerial}). In every case no write of the LV waits longer than the request
 * timeout plus the reconnect window plus a second, and every acknowledged write reads back.
 * <ul>
 *   <li>A silent partition (packets dropped, no reset) at 10, 50 or 90 % of the copy: the destination write on
 *       the wire passes its deadline, so the move is held (its data on the source, which serves the LV); pvs shows the
 *       PV {@code reconnecting}, then {@code failed} when the window ends, and the PV missing; an abort backs out to
 *       the local PV.</li>
 *   <li>Flaps shorter than the window (the same partition, healed once the link is reconnecting) at 10, 50 and
 *       90 % of the copy of one move (rate 2 MiB/s, no heartbeats): each time the link comes back
 *       ({@code connected: reconnected N time(s)}) and the PV is not lost, but the move is held: the destination write
 *       that was on the wire at the cut timed out, and a timed-out write is not resent (its range is undefined), so
 *       the destination leg failed. A bare {@code pvmove -b} continues the move over the reconnected link after the
 *       first two, a bare {@code pvmove} to completion after the third.</li>
 *   <li>nbdkit killed and started again at once, at 10, 50 and 90 % of the copy of one move: each time the link
 *       reconnects, resends what was on the wire and replays the writes acknowledged since the last FLUSH, so the
 *       move goes on and completes.</li>
 * </ul>
 * The same faults and more under fio and ext4: {@link RemoteLinkFaultsUnderFioAndExt4ProcessTest} and
 * {@link RemoteServerFaultsUnderFioAndExt4ProcessTest}.
 */
class RemoteLinkFaultProcessTest {

    private static final Duration TIMEOUT = AckedRemoteHosts.TIMEOUT;
    private static final long MIB = 1 << 20;
    /** The copy rate of the moves: 16 MiB in 8 s, so each fault point is reached and passed slowly. */
    private static final String RATE = "2M";

    @RegisterExtension
    final TwoHosts daemons = new TwoHosts();

    @TempDir
    Path dir;

    @ParameterizedTest(name = "at {0}%")
    @ValueSource(ints = {10, 50, 90})
    void aSilentPartitionOfTheDestinationHoldsTheMoveWithinTheLinkDeadlines(int percent) throws IOException {
        try (AckedRemoteHosts f = AckedRemoteHosts.start(daemons, dir, AckedRemoteHosts.LINK, Duration.ofSeconds(5))) {
            RemoteDestination hosts = f.hosts();
            FerryDaemon daemon = f.daemon();
            MoveApi api = f.api();
            long id = api.start(hosts.local(), List.of(hosts.remote()), false, RATE).path("id").asLong();
            f.awaitCopied(percent);
            hosts.net().partitionBoth(hosts.a(), hosts.b(), NetworkNamespaces.Cut.DROP);

            List<String> seen = healthUntil(f, h -> h.startsWith("failed"));
            // the link went RECONNECTING before it failed: pvs can miss the window, the daemon's log cannot
            assertThat(daemon.log()).as("the link went reconnecting, then failed").contains("UP -> RECONNECTING",
                    "RECONNECTING -> FAILED");
            assertThat(seen.get(seen.size() - 1)).contains("no connection within the reconnect window of PT5S");

            JsonNode held = api.awaitState(id, "HELD", TIMEOUT);
            assertThat(held.path("error").path("error").asText()).isEqualTo("MIGRATE_FAIL");
            assertThat(held.path("error").path("message").asText()).contains("data stays on the source");
            assertThat(daemon.cliOk("pvs", "--noheadings", "-o", "pv_name,pv_attr").out())
                    .as("the remote PV is missing").containsPattern(f.remotePattern() + "\\s+a-m");
            long ackedHeld = f.writer().acknowledged();
            Poll.until(TIMEOUT, "writes while held", () -> f.writer().acknowledged() > ackedHeld + 100);
            JsonNode end = api.abort(hosts.local()).get(0);
            assertThat(end.path("state").asText()).as(end.toString()).isEqualTo("ABORTED");
            assertThat(api.devices("vg/acked")).containsExactly(hosts.local());
            long ackedAtEnd = f.writer().acknowledged();
            Poll.until(TIMEOUT, "writes after the abort", () -> f.writer().acknowledged() > ackedAtEnd + 100);
            f.stopWriterAndVerify();
        }
    }

    @Test
    void flapsShorterThanTheWindowAtTenFiftyAndNinetyPercentEachHoldTheMoveAndABarePvmoveCompletesIt()
            throws IOException {
        try (AckedRemoteHosts f = AckedRemoteHosts.start(daemons, dir, AckedRemoteHosts.LINK_WITHOUT_HEARTBEAT,
                Duration.ofSeconds(20))) {
            RemoteDestination hosts = f.hosts();
            FerryDaemon daemon = f.daemon();
            MoveApi api = f.api();
            long id = api.start(hosts.local(), List.of(hosts.remote()), false, RATE).path("id").asLong();
            int[] points = {10, 50, 90};
            for (int i = 0; i < points.length; i++) {
                int point = points[i];
                Poll.until(TIMEOUT, point + " % of the copy", () -> api.percent() >= point);
                hosts.net().partitionBoth(hosts.a(), hosts.b(), NetworkNamespaces.Cut.DROP);
                int flaps = i + 1;
                Poll.until(TIMEOUT, "the link to go reconnecting", () -> f.logged("UP -> RECONNECTING") == flaps);
                hosts.net().heal();
                List<String> seen = healthUntil(f, h -> !h.startsWith("reconnecting"));
                assertThat(seen.get(seen.size() - 1)).as("flap at %d %%: %s", point, seen)
                        .startsWith("connected: reconnected " + (i + 1) + " time(s)");

                JsonNode held = api.awaitState(id, "HELD", TIMEOUT);
                assertThat(held.path("error").path("message").asText()).as("the write on the wire at the cut timed out")
                        .contains("not answered within its deadline (request timeout PT2S", "data stays on the source");
                assertThat(daemon.cliOk("pvs", "--noheadings", "-o", "pv_name,pv_attr").out())
                        .as("the remote PV is not lost").containsPattern(f.remotePattern() + "\\s+a--");
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
            assertThat(api.devices("vg/acked")).containsExactly(hosts.remote());
            f.stopWriterAndVerify();
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
        try (AckedRemoteHosts f = AckedRemoteHosts.start(daemons, dir, AckedRemoteHosts.LINK, Duration.ofSeconds(5))) {
            RemoteDestination hosts = f.hosts();
            MoveApi api = f.api();
            long id = api.start(hosts.local(), List.of(hosts.remote()), false, RATE).path("id").asLong();
            FioAndExt4UnderMove.killAndRestartAtTenFiftyAndNinetyPercent(f,
                    () -> assertThat(api.move(id).path("state").asText())
                            .as("the move goes on (or, after the last kill, has ended)")
                            .isIn("RUNNING", "COMPLETING", "COMPLETED"));

            JsonNode end = api.awaitEnd(id, TIMEOUT);
            String health = f.daemon().cliOk("pvs", "--noheadings", "-o", "pv_health", hosts.remote()).out().strip();
            String pvs = f.daemon().cliOk("pvs", "--noheadings", "-o", "pv_name,pv_attr").out();
            assertThat(health).startsWith("connected: reconnected 3 time(s)");
            assertThat(end.path("state").asText()).as(end.toString()).isEqualTo("COMPLETED");
            assertThat(api.devices("vg/acked")).containsExactly(hosts.remote());
            assertThat(pvs).containsPattern(f.remotePattern() + "\\s+a--");
            f.stopWriterAndVerify();
        }
    }

    /** The remote PV's health as pvs shows it, each change, polled until {@code done} holds for one. */
    private static List<String> healthUntil(AckedRemoteHosts f, Predicate<String> done) {
        List<String> seen = new ArrayList<>();
        Poll.until(TIMEOUT, "the remote PV's health to settle", () -> {
            String h = f.daemon().cliOk("pvs", "--noheadings", "-o", "pv_health", f.hosts().remote()).out().strip();
            if (seen.isEmpty() || !seen.get(seen.size() - 1).equals(h)) {
                seen.add(h);
            }
            return done.test(h);
        });
        return seen;
    }
}
