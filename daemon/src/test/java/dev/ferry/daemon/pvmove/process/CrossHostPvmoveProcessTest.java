package dev.ferry.daemon.pvmove.process;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.daemon.testing.AckedBlockWriter;
import dev.ferry.daemon.testing.FerryDaemon;
import dev.ferry.daemon.testing.Poll;
import dev.ferry.mapper.testing.Seeds;
import dev.ferry.nbd.client.NbdClient;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Moves across hosts on one machine ({@link RemoteDestination}): a daemon in namespace {@code a} moves an LV that a
 * writer of acknowledged blocks keeps writing from a local PV to a remote PV, an export of {@code nbdkit file} in
 * namespace {@code b}. With {@code --verify} and no fault the move completes, verified over the network; with the
 * link between the hosts cut half way through the copy it is held safe: the LV's data stays on the local PV, the
 * remote PV is reported missing, the LV keeps taking writes, an abort puts it back on the local PV, and every
 * acknowledged write reads back.
 */
class CrossHostPvmoveProcessTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final long MIB = 1 << 20;

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

    /**
     * The two hosts, the remote PV's link with a short reconnect window (the cut below fails the link 2 s after it,
     * not after the default 10 s), and LV {@code acked} on the local PV.
     */
    @BeforeEach
    void twoHosts() throws IOException {
        hosts = daemons.open(dir, 64 * MIB, "reconnect-window=2s");
        daemon = hosts.daemon();
        api = new MoveApi(daemon);
        local = hosts.local();
        remote = hosts.remote();
        daemon.cliOk("lvcreate", "-n", "acked", "-L", "16M", "vg", local);
        writer = new AckedBlockWriter(Seeds.fresh(), 4096, (int) (16 * MIB / 4096), 4);
    }

    @Test
    void aVerifiedMoveToAPvOnAnotherHostCompletesUnderWrites() {
        try (NbdClient c = daemon.nbdClient("vg/acked")) {
            writer.fill(c);
            writer.start(c);
            long id = api.start(local, List.of(remote), false, null, true).path("id").asLong();
            JsonNode end = api.awaitEnd(id, TIMEOUT);
            assertThat(end.path("state").asText()).as(end.toString()).isEqualTo("COMPLETED");
            assertThat(end.path("segments")).allSatisfy(s -> assertThat(s.path("verified").asBoolean()).isTrue());
            assertThat(writer.stop()).isNull();
            writer.verifyAndSettle(c);
        }
        assertThat(daemon.cliOk("lvs", "--noheadings", "-o", "devices", "vg/acked").out()).contains(remote);
    }

    /**
     * The cut refuses the hosts' TCP packets with resets (a loud partition; a silent one, which the remote PV's link
     * deadlines catch, is {@link RemoteLinkFaultProcessTest}'s). The move is held (its data on the source, which keeps
     * serving), the remote PV is missing, and an abort backs out to the local PV.
     */
    @Test
    void aMoveToAPvOnAnotherHostIsHeldWhenTheLinkIsCutHalfWayAndAnAbortBacksOut() {
        try (NbdClient c = daemon.nbdClient("vg/acked")) {
            writer.fill(c);
            writer.start(c);
            long id = api.start(local, List.of(remote), false, "4M").path("id").asLong();
            Poll.until(TIMEOUT, "half of the copy", () -> api.percent() >= 50);
            hosts.inject(RemoteDestination.Fault.LINK_RESET);

            JsonNode held = api.awaitState(id, "HELD", TIMEOUT);
            assertThat(held.path("error").path("error").asText()).isEqualTo("MIGRATE_FAIL");
            assertThat(held.path("error").path("message").asText()).contains(remote, "data stays on the source");
            Poll.until(TIMEOUT, "the remote PV missing", () -> daemon.cliOk("pvs", "--noheadings", "-o",
                    "pv_name,pv_attr").out().matches("(?s).*" + Pattern.quote(remote) + "\\s+a-m.*"));
            long ackedHeld = writer.acknowledged();
            Poll.until(TIMEOUT, "writes while held", () -> writer.acknowledged() > ackedHeld + 100);

            JsonNode end = api.abort(local).get(0);
            assertThat(end.path("state").asText()).as(end.toString()).isEqualTo("ABORTED");
            assertThat(end.path("percent").asDouble()).as(end.toString()).isBetween(50.0, 100.0);
            assertThat(api.devices("vg/acked")).containsExactly(local);
            long ackedAtEnd = writer.acknowledged();
            Poll.until(TIMEOUT, "writes after the abort", () -> writer.acknowledged() > ackedAtEnd + 100);
            assertThat(writer.stop()).isNull();
            writer.verifyAndSettle(c);
        }
    }
}
