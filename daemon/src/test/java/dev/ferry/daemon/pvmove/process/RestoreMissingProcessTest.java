package dev.ferry.daemon.pvmove.process;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.daemon.pvmove.process.RemoteDestination.Fault;
import dev.ferry.daemon.testing.AckedBlockWriter;
import dev.ferry.daemon.testing.CliResult;
import dev.ferry.daemon.testing.FerryDaemon;
import dev.ferry.daemon.testing.Poll;
import dev.ferry.mapper.testing.Seeds;
import dev.ferry.nbd.client.NbdClient;
import io.netty.buffer.ByteBuf;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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

    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final long MIB = 1 << 20;
    private static final int LV_BYTES = (int) (16 * MIB);
    private static final int BLOCK = 4096;
    /** The writer's area: the first 256 KiB of the LV. */
    private static final int AREA_BLOCKS = 64;
    /** pvmove's region size (512 KiB, the extent size being larger). */
    private static final long REGION = 512 * 1024;
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
        daemon.cliOk("lvcreate", "-n", "lv", "-L", LV_BYTES / MIB + "M", "vg", hosts.local());
        long seed = Seeds.fresh();
        LvData.fill(daemon, "vg/lv", seed);   // data everywhere: no region is a hole the copy could skip
        AckedBlockWriter writer = new AckedBlockWriter(seed, BLOCK, AREA_BLOCKS, 4);
        long id;
        long inSyncWhenHeld;
        long transferredWhenHeld;
        try (NbdClient c = daemon.nbdClient("vg/lv")) {
            writer.fill(c);
            writer.start(c);
            id = api.start(hosts.local(), List.of(remote), false, "4M").path("id").asLong();
            Poll.until(TIMEOUT, "half of the copy", () -> api.move(id).path("percent").asDouble() >= 50);
            hosts.inject(Fault.KILL9);

            JsonNode held = api.awaitState(id, "HELD", TIMEOUT);
            assertThat(held.path("error").path("message").asText()).as(held.toString())
                    .contains("copy to the destination failed", "data stays on the source");
            Poll.until(TIMEOUT, "the remote PV recorded missing", () -> pvRow(daemon, remote).contains("a-m"));
            long acked = writer.acknowledged();
            Poll.until(TIMEOUT, WRITES_WHILE_HELD + " writes acknowledged while held",
                    () -> writer.acknowledged() >= acked + WRITES_WHILE_HELD || writer.failure() != null);
            assertThat(writer.stop()).as("a failed write").isNull();
            writer.verifyAndSettle(c);
            JsonNode settled = api.move(id);   // the writer is still: nothing changes what is in sync
            inSyncWhenHeld = settled.path("copied_bytes").asLong();
            transferredWhenHeld = settled.path("transferred_bytes").asLong();
            assertThat(inSyncWhenHeld).as("regions still in sync when held").isGreaterThan(0).isLessThan(LV_BYTES);
        }

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
        long resumed = end.path("transferred_bytes").asLong() - transferredWhenHeld;
        long notInSync = LV_BYTES - inSyncWhenHeld;
        long writtenRegions = ((long) AREA_BLOCKS * BLOCK + REGION - 1) / REGION;
        System.out.printf("RestoreMissingProcessTest: %d of %d bytes in sync when held, the continue transferred %d%n",
                inSyncWhenHeld, LV_BYTES, resumed);
        assertThat(resumed).as("bytes the continue copied (not in sync when held: %d)", notInSync)
                .isGreaterThanOrEqualTo(notInSync).isLessThanOrEqualTo(notInSync + writtenRegions * REGION)
                .isLessThan(LV_BYTES);
        assertThat(api.devices("vg/lv")).containsExactly(remote);
        try (NbdClient c = daemon.nbdClient("vg/lv")) {
            writer.verifyAndSettle(c);
            assertThat(read(c)).as("the LV on the remote PV equals the source extents")
                    .isEqualTo(hosts.localExtents(0, LV_BYTES));
        }
    }

    /** The remote PV's row of {@code pvs} (name, attributes, health). */
    private static String pvRow(FerryDaemon daemon, String pv) {
        return daemon.cliOk("pvs", "--noheadings", "-o", "pv_name,pv_attr,pv_health").out().lines()
                .filter(l -> l.contains(pv)).findFirst().orElse("");
    }

    private static byte[] read(NbdClient c) {
        byte[] out = new byte[LV_BYTES];
        for (int off = 0; off < LV_BYTES; off += (int) MIB) {
            ByteBuf b = c.read(off, (int) MIB).join();
            try {
                b.getBytes(b.readerIndex(), out, off, (int) MIB);
            } finally {
                b.release();
            }
        }
        return out;
    }
}
