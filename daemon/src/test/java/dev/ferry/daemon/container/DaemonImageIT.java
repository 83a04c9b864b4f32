package dev.ferry.daemon.container;

import static dev.ferry.daemon.container.FerryContainer.DATA;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.daemon.cli.client.ControlCallException;
import dev.ferry.daemon.cli.client.ControlClient;
import dev.ferry.daemon.testing.AckedBlockWriter;
import dev.ferry.daemon.testing.ChildProcesses;
import dev.ferry.daemon.testing.Poll;
import dev.ferry.nbd.client.NbdClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Ferry's Docker image end to end, from the test JVM over loopback: the daemon container (non-root, healthy by its
 * own health check) takes PVs, a VG and an LV through the token-protected TCP control API, the LV moves live to the
 * other PV with pvmove while Ferry's NBD client keeps writing, every acknowledged write is there, and after
 * {@code docker stop} and a new container on the same volume every block still holds what was acknowledged.
 */
class DaemonImageIT {

    private static final int BLOCK = 4096;
    private static final int LV_MIB = 16;
    private static final Duration TIMEOUT = Duration.ofSeconds(180);
    private static final Set<String> ACTIVE = Set.of("PLANNED", "RUNNING", "COMPLETING", "ABORTING");

    @RegisterExtension
    final ChildProcesses<FerryContainer> containers = new ChildProcesses<>();

    @Test
    void anLvMovesLiveUnderWritesAndKeepsEveryAcknowledgedByteAcrossAContainerRestart() throws Exception {
        FerryContainer daemon = containers.own(FerryContainer.start(FerryImage.get()));
        assertThat(daemon.exec("id", "-un").strip()).as("the daemon's user").isEqualTo("ferry");
        ControlCallException refused = catchThrowableOfType(ControlCallException.class,
                () -> new ControlClient(daemon.endpoint(), TIMEOUT).call("GET", "/v1/health", null));
        assertThat(refused).as("a TCP call without the token").isNotNull();
        assertThat(refused.errorName()).isEqualTo("UNAUTHORIZED");

        String pv1 = DATA + "/pv1.img";
        String pv2 = DATA + "/pv2.img";
        daemon.api("POST", "/v1/pvs", Map.of("path", pv1, "size", "48m"));
        daemon.api("POST", "/v1/pvs", Map.of("path", pv2, "size", "48m"));
        daemon.api("POST", "/v1/vgs", Map.of("name", "vg", "pvs", List.of(pv1, pv2), "extent_size", "1m"));
        daemon.api("POST", "/v1/vgs/vg/lvs", Map.of("name", "lv", "size", LV_MIB + "m", "pvs", List.of(pv1)));
        assertThat(devices(daemon)).isEqualTo(pv1 + "(0)");

        AckedBlockWriter writer = new AckedBlockWriter(System.nanoTime(), BLOCK, LV_MIB * (1 << 20) / BLOCK, 8);
        try (NbdClient nbd = daemon.nbdClient("vg/lv")) {
            writer.fill(nbd);
            writer.start(nbd);
            Poll.until(TIMEOUT, "writes before the move", () -> writer.acknowledged() > 100);
            JsonNode move = daemon.api("POST", "/v1/pvmoves",
                    Map.of("source", pv1, "destinations", List.of(pv2), "rate", "4M"));
            long ackedAtStart = writer.acknowledged();
            JsonNode end = awaitEnd(daemon, move.path("id").asLong());
            assertThat(end.path("state").asText()).as("the move: %s", end).isEqualTo("COMPLETED");
            assertThat(writer.acknowledged()).as("writes acknowledged during the move").isGreaterThan(ackedAtStart);
            assertThat(writer.stop()).as("a failed write").isNull();
            writer.verifyAndSettle(nbd);
        }
        assertThat(devices(daemon)).isEqualTo(pv2 + "(0)");

        assertThat(daemon.stop()).as("the daemon's exit status after docker stop").isZero();
        daemon.startAgain();
        assertThat(devices(daemon)).isEqualTo(pv2 + "(0)");
        try (NbdClient nbd = daemon.nbdClient("vg/lv")) {
            writer.verifyAndSettle(nbd);
        }
    }

    /** Waits until move {@code id} has ended and returns it as listed then. */
    private static JsonNode awaitEnd(FerryContainer daemon, long id) {
        JsonNode[] move = new JsonNode[1];
        Poll.until(TIMEOUT, "move " + id + " to end", () -> {
            for (JsonNode m : daemon.api("GET", "/v1/pvmoves", null).path("pvmoves")) {
                if (m.path("id").asLong() == id) {
                    move[0] = m;
                    return !ACTIVE.contains(m.path("state").asText());
                }
            }
            throw new AssertionError("move " + id + " is not listed");
        });
        return move[0];
    }

    /** The devices column of {@code lvs vg/lv}. */
    private static String devices(FerryContainer daemon) {
        return daemon.api("GET", "/v1/reports/lvs?o=devices&name=vg/lv", null).path("report").path(0).path("lv")
                .path(0).path("devices").asText();
    }
}
