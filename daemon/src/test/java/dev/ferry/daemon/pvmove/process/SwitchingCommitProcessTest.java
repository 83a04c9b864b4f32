package dev.ferry.daemon.pvmove.process;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.daemon.pvmove.process.RemoteDestination.Fault;
import dev.ferry.daemon.testing.AckedBlockWriter;
import dev.ferry.daemon.testing.FerryDaemon;
import dev.ferry.daemon.testing.Poll;
import dev.ferry.mapper.testing.Seeds;
import dev.ferry.nbd.client.NbdClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A remote destination ({@link RemoteDestination}) that stops taking writes in the one moment between the end of the
 * copy and the metadata commit that switches the segment to it: the move runs with {@code --verify} and the server
 * answers reads {@value #READ_DELAY_MS} ms late, so the verify of the copied segment takes seconds; the test arms the
 * server's error filter (every write answered EIO) while it runs, after the writer of acknowledged blocks (writing
 * before and during the copy) has stopped, so the first write to reach the destination afterwards is the switching
 * commit's. That commit is written to the remote PV (the destination) first and fails there, so it reaches no other
 * PV and the remote PV is lost: the move must not complete (the LV would end on a missing PV); it is held with the
 * source authoritative, the remote PV shows missing, every acknowledged block reads back, and an abort (the
 * destination still failing) backs out to the local PV.
 */
class SwitchingCommitProcessTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final long MIB = 1 << 20;
    private static final long LV_BYTES = 4 * MIB;
    private static final int BLOCK = 4096;
    /** The writer's area: the first 256 KiB of the LV. */
    private static final int AREA_BLOCKS = 64;
    /** The server's read delay: the verify reads 8 regions of the destination, one after the other. */
    private static final long READ_DELAY_MS = 500;

    @RegisterExtension
    final TwoHosts daemons = new TwoHosts();

    @TempDir
    Path dir;

    private RemoteDestination hosts;

    @Test
    void aDestinationLostInTheSwitchingCommitLeavesTheMoveHeldOnTheSourceAndAnAbortBacksOut() throws Exception {
        hosts = daemons.open(dir, 64 * MIB, "", Duration.ofMillis(READ_DELAY_MS));
        FerryDaemon daemon = hosts.daemon();
        MoveApi api = new MoveApi(daemon);
        daemon.cliOk("lvcreate", "-n", "lv", "-L", LV_BYTES / MIB + "M", "vg", hosts.local());
        long seed = Seeds.fresh();
        LvData.fill(daemon, "vg/lv", seed);
        AckedBlockWriter writer = new AckedBlockWriter(seed, BLOCK, AREA_BLOCKS, 4);
        try (NbdClient c = daemon.nbdClient("vg/lv")) {
            writer.fill(c);
            writer.start(c);
            long id = api.start(hosts.local(), List.of(hosts.remote()), false, "2M", true).path("id").asLong();
            Poll.until(TIMEOUT, "the copy done, its verify running", () -> verifying(api.move(id)));
            assertThat(writer.stop()).as("a failed write").isNull();
            long acked = writer.acknowledged();
            hosts.inject(Fault.ERRORS);
            assertThat(verifying(api.move(id))).as("the fault armed before the switching commit").isTrue();

            JsonNode held = api.awaitState(id, "HELD", TIMEOUT);
            System.out.printf("SwitchingCommitProcessTest: %d writes acknowledged, then %s%n", acked, held);
            assertThat(held.path("error").path("message").asText()).as(held.toString())
                    .contains("commit switching segment(s) [0]", hosts.remote(), "data stays on the source");
            assertThat(held.path("segments").get(0).path("state").asText()).isEqualTo("HELD");
            Poll.until(TIMEOUT, "the remote PV recorded missing", () -> daemon.cliOk("pvs", "--noheadings", "-o",
                    "pv_name,pv_attr").out().lines().anyMatch(l -> l.contains(hosts.remote()) && l.contains("a-m")));
            assertThat(api.move(id).path("state").asText()).as("still held").isEqualTo("HELD");
            writer.verifyAndSettle(c);

            JsonNode aborted = api.abort(hosts.local()).get(0);
            assertThat(aborted.path("state").asText()).as(aborted.toString()).isEqualTo("ABORTED");
            assertThat(api.devices("vg/lv")).containsExactly(hosts.local());
            assertThat(api.allLvNames()).doesNotContain("pvmove");
            writer.verifyAndSettle(c);
        }
    }

    /** Whether the move's one segment is copied and not yet verified (its verify runs; it has not switched). */
    private static boolean verifying(JsonNode move) {
        JsonNode seg = move.path("segments").get(0);
        return move.path("state").asText().equals("RUNNING") && seg.path("percent").asDouble() >= 100
                && !seg.path("verified").asBoolean() && seg.path("state").asText().equals("RUNNING");
    }
}
