package dev.ferry.daemon.pvmove.process;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.daemon.pvmove.process.RemoteDestination.Fault;
import dev.ferry.daemon.testing.CliResult;
import dev.ferry.daemon.testing.FerryDaemon;
import dev.ferry.daemon.testing.Poll;
import dev.ferry.mapper.testing.Seeds;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vgextend --restoremissing} across hosts ({@link RemoteDestination}): nbdkit serving the remote destination of
 * a move is killed with SIGKILL half way through the copy, so the move is held and the remote PV lost (recorded
 * missing once its reconnect window of 1 s ends), while a writer of acknowledged FUA blocks keeps writing a small area
 * of the LV. A continue and a restore while the server is down are refused, naming why; nbdkit started again on the
 * same file, the restore connects to it afresh and puts the PV back ({@code pvs}: no {@code m}, connected), and a bare
 * {@code pvmove} completes the move in the same daemon, copying only the delta: at least what was not in sync when it
 * was held, at most that plus the writer's region. Every acknowledged write reads back from the remote PV, which holds
 * exactly the bytes of the source extents.
 */
class RestoreMissingProcessTest {

    private static final Duration TIMEOUT = HeldRemoteMove.TIMEOUT;
    private static final long MIB = 1 << 20;
    /** Acknowledged writes while held, proving the LV keeps serving. */
    private static final int WRITES_WHILE_HELD = 100;

    @RegisterExtension
    final TwoHosts daemons = new TwoHosts();

    @TempDir
    Path dir;

    private RemoteDestination hosts;

    @Test
    void aDestinationLostToAKilledServerIsRestoredAndTheHeldMoveCompletesWithoutARestart() throws Exception {
        hosts = daemons.open(dir, 64 * MIB, "reconnect-window=1s");
        FerryDaemon daemon = hosts.daemon();
        MoveApi api = new MoveApi(daemon);
        String remote = hosts.remote();
        HeldRemoteMove move = HeldRemoteMove.hold(hosts, Fault.KILL9, 50, WRITES_WHILE_HELD, held ->
                Poll.until(TIMEOUT, "the remote PV recorded missing", () -> pvRow(daemon, remote).contains("a-m")));
        long id = move.id();

        JsonNode early = daemon.api("POST", "/v1/pvmoves", Map.of()).path("pvmoves").get(0);
        assertThat(early.path("state").asText()).as("a continue with the PV missing").isEqualTo("HELD");
        assertThat(early.path("error").path("message").asText()).as(early.toString())
                .contains("is missing", "vgextend --restoremissing vg " + remote);
        CliResult down = daemon.cli("vgextend", "--restoremissing", "vg", remote);
        assertThat(down.exit()).as("a restore with the server down").isNotZero();
        assertThat(down.err()).contains("Cannot open physical volume " + remote, "it stays missing");
        assertThat(pvRow(daemon, remote)).as("the refusal as its health").contains("a-m",
                "failed: Cannot open physical volume " + remote);
        assertThat(daemon.cli("vgextend", "--restoremissing", "vg", hosts.local()).err())
                .contains("Physical volume " + hosts.local() + " of volume group vg is not missing");

        hosts.repair(Fault.KILL9);   // nbdkit again, on the same file
        long start = System.nanoTime();
        assertThat(daemon.cliOk("vgextend", "--restoremissing", "vg", remote).out())
                .contains("Physical volume \"" + remote + "\" of volume group \"vg\" restored");
        System.out.printf("RestoreMissingProcessTest: vgextend --restoremissing took %d ms%n",
                (System.nanoTime() - start) / 1_000_000);
        assertThat(pvRow(daemon, remote)).as("the PV is back").contains("a--").contains("connected");
        assertThat(api.move(id).path("state").asText()).as("the move waits for a continue").isEqualTo("HELD");

        daemon.cliOk("pvmove", "-i", "1");
        JsonNode end = api.awaitEnd(id, TIMEOUT);
        assertThat(end.path("state").asText()).as(end.toString()).isEqualTo("COMPLETED");
        long resumed = end.path("transferred_bytes").asLong() - move.transferredWhenHeld();
        move.assertOnlyTheDeltaCopied("RestoreMissingProcessTest, the continue", resumed);
        assertThat(resumed).as("bytes the continue copied").isLessThan(HeldRemoteMove.LV_BYTES);
        move.assertOnTheRemotePv();
    }

    /** The remote PV's row of {@code pvs} (name, attributes, health). */
    private static String pvRow(FerryDaemon daemon, String pv) {
        return daemon.cliOk("pvs", "--noheadings", "-o", "pv_name,pv_attr,pv_health").out().lines()
                .filter(l -> l.contains(pv)).findFirst().orElse("");
    }
}
