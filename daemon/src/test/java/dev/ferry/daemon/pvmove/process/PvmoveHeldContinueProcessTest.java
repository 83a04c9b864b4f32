package dev.ferry.daemon.pvmove.process;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.daemon.command.ExitCodes;
import dev.ferry.daemon.testing.AckedBlockWriter;
import dev.ferry.daemon.testing.ChildProcesses;
import dev.ferry.daemon.testing.CliResult;
import dev.ferry.daemon.testing.FaultyDisk;
import dev.ferry.daemon.testing.FerryDaemon;
import dev.ferry.daemon.testing.Poll;
import dev.ferry.mapper.testing.Seeds;
import dev.ferry.nbd.client.NbdClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A move held in the daemon's run: its destination's extent area returns EIO half way through the copy (a
 * {@link FaultyDisk}, whose label and metadata area keep working, so the PV is not lost), which holds the move while a
 * writer of acknowledged blocks keeps writing a small area. Once the disk answers again a bare {@code pvmove}
 * continues it and it completes, copying only the delta (the move's {@code transferred_bytes} grow by at least what
 * was not in sync when held, at most that plus the writer's regions). A bare {@code pvmove} while the disk still
 * fails holds it again (exit 1, "held"), and {@code pvmove --abort} then backs out to the source. A daemon killed
 * with SIGKILL while the move is held, writes in flight, resumes it at its next start, again copying only the delta.
 * No acknowledged write is lost.
 */
class PvmoveHeldContinueProcessTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final long MIB = 1 << 20;
    private static final long LV_BYTES = 16 * MIB;
    private static final int BLOCK = 4096;
    private static final int AREA_BLOCKS = 64;
    private static final long REGION = 512 * 1024;

    @RegisterExtension
    final ChildProcesses<FerryDaemon> daemons = new ChildProcesses<>();

    @TempDir
    Path dir;

    private FaultyDisk disk;
    private FerryDaemon daemon;
    private MoveApi api;
    private String src;
    private String dst;
    private AckedBlockWriter writer;
    private NbdClient client;
    private long id;

    /** A held move: VG over a local PV and a faulty one, the LV written, its move held half way by write errors. */
    @BeforeEach
    void heldMove() {
        FaultyDisk.assumeUsable();
        disk = FaultyDisk.create(dir, "dst", 64 * MIB, RemoteDestination.PE_START);
        daemon = daemons.own(FerryDaemon.start(dir));
        api = new MoveApi(daemon);
        src = dir.resolve("src").toString();
        dst = disk.file().toString();
        daemon.cliOk("pvcreate", "--size", "64m", src);
        daemon.cliOk("pvcreate", dst);
        daemon.cliOk("vgcreate", "-s", "1M", "vg", src, dst);
        daemon.cliOk("lvcreate", "-n", "lv", "-L", LV_BYTES / MIB + "M", "vg", src);
        long seed = Seeds.fresh();
        LvData.fill(daemon, "vg/lv", seed);
        writer = new AckedBlockWriter(seed, BLOCK, AREA_BLOCKS, 4);
        client = daemon.nbdClient("vg/lv");
        writer.fill(client);
        writer.start(client);
        id = api.start(src, List.of(dst), false, "4M").path("id").asLong();
        Poll.until(TIMEOUT, "half of the copy", () -> api.move(id).path("percent").asDouble() >= 50);
        disk.failWrites(true);
        JsonNode held = api.awaitState(id, "HELD", TIMEOUT);
        assertThat(held.path("error").path("message").asText()).contains("Input/output error", "held");
        keepWriting();
    }

    @AfterEach
    void close() {
        if (client != null) {
            client.close();
        }
        if (daemon != null) {
            daemon.close();   // before the faulty disk goes
        }
        if (disk != null) {
            disk.close();
        }
    }

    @Test
    void aBarePvmoveContinuesTheHeldMoveCopyingOnlyTheDelta() {
        disk.failWrites(false);
        JsonNode held = api.move(id);
        long notInSync = LV_BYTES - held.path("copied_bytes").asLong();
        long before = held.path("transferred_bytes").asLong();

        CliResult cont = daemon.cli("pvmove", "-i", "1");
        assertThat(cont.exit()).as(cont.describe()).isZero();
        assertThat(cont.out()).contains("Moved: 100.0%");
        JsonNode end = api.move(id);
        assertThat(end.path("state").asText()).isEqualTo("COMPLETED");
        long delta = end.path("transferred_bytes").asLong() - before;
        long writtenRegions = ((long) AREA_BLOCKS * BLOCK + REGION - 1) / REGION;
        System.out.printf("PvmoveHeldContinueProcessTest: %d bytes not in sync when held, the continue transferred "
                + "%d%n", notInSync, delta);
        assertThat(delta).isGreaterThanOrEqualTo(notInSync).isLessThanOrEqualTo(notInSync + writtenRegions * REGION);
        assertThat(api.devices("vg/lv")).containsExactly(dst);
        writer.verifyAndSettle(client);
    }

    @Test
    void aContinueIntoAStillFailingDestinationHoldsAgainAndAnAbortBacksOut() {
        CliResult cont = daemon.cli("pvmove", "-i", "1");
        assertThat(cont.exit()).as(cont.describe()).isEqualTo(ExitCodes.FAILED);
        assertThat(cont.out()).contains("held after copying");
        assertThat(cont.err()).contains("MIGRATE_FAIL");
        assertThat(api.move(id).path("state").asText()).isEqualTo("HELD");

        writer.start(client);
        CliResult abort = daemon.cliOk("pvmove", "--abort", src);
        assertThat(abort.out()).contains("ABORTED");
        keepWriting();
        assertThat(api.devices("vg/lv")).containsExactly(src);
        assertThat(api.allLvNames()).doesNotContain("pvmove");
        disk.failWrites(false);
        writer.verifyAndSettle(client);
    }

    @Test
    void aDaemonKilledWhileTheMoveIsHeldResumesItAtStartCopyingOnlyTheDelta() {
        disk.failWrites(false);
        long notInSync = LV_BYTES - api.move(id).path("copied_bytes").asLong();
        writer.start(client);
        long acked = writer.acknowledged();
        Poll.until(TIMEOUT, "writes before the kill", () -> writer.acknowledged() > acked + 50);
        daemon.kill9();   // writes in flight: the writer stops at its first failed one
        writer.awaitStopped();
        client.close();
        daemon.startAgain();   // resumes the held move: its destination is present

        JsonNode end = api.awaitEnd(api.moves().get(0).path("id").asLong(), TIMEOUT);
        assertThat(end.path("state").asText()).as(end.toString()).isEqualTo("COMPLETED");
        long writtenRegions = ((long) AREA_BLOCKS * BLOCK + REGION - 1) / REGION;
        assertThat(end.path("transferred_bytes").asLong()).as("bytes the resume copied; %d not in sync when held",
                notInSync).isGreaterThanOrEqualTo(notInSync).isLessThanOrEqualTo(notInSync + writtenRegions * REGION);
        assertThat(api.devices("vg/lv")).containsExactly(dst);
        client = daemon.nbdClient("vg/lv");
        writer.verifyAndSettle(client);
    }

    /** Lets the writer get 200 more writes acknowledged, stops it (no write failed) and verifies every one. */
    private void keepWriting() {
        long acked = writer.acknowledged();
        Poll.until(TIMEOUT, "200 more acknowledged writes",
                () -> writer.acknowledged() >= acked + 200 || writer.failure() != null);
        assertThat(writer.stop()).as("a failed write").isNull();
        writer.verifyAndSettle(client);
    }
}
