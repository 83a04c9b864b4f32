package dev.ferry.daemon.interop;

import static dev.ferry.daemon.mirror.MirrorService.HALT_PROPERTY;
import static dev.ferry.daemon.testing.MirrorLegs.report;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.daemon.testing.AckedBlockWriter;
import dev.ferry.daemon.testing.ChildProcesses;
import dev.ferry.daemon.testing.CliResult;
import dev.ferry.daemon.testing.FerryDaemon;
import dev.ferry.daemon.testing.MirrorLegs;
import dev.ferry.daemon.testing.Poll;
import dev.ferry.nbd.client.NbdClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The volume operations that change an LV's name, size, existence or the places of its copies, issued through the CLI
 * of a real daemon while a mirror job runs on that LV (a forced resync under a rate limit, its LV attached and written;
 * a 3-copy migratepp halted between its reduce and its extend): each is refused with INRESYNC (exit 4) naming the job
 * and what to retry, nothing changes, the job ends SUCCESS with every acknowledged write readable, and the same
 * operation works once the job has ended. The other way round, a resync of an LV a pvmove is moving is refused with
 * LV_LOCKED.
 */
class MirrorJobGuardProcessTest {
    private static final long MIB = 1 << 20;
    private static final long EXTENT = 4 * MIB;
    private static final int BLOCK = 64 * 1024;
    private static final int BLOCKS = (int) (32 * MIB / BLOCK);
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int INRESYNC_EXIT = 4;

    @RegisterExtension
    final ChildProcesses<FerryDaemon> daemons = new ChildProcesses<>();

    @TempDir
    Path dir;

    private FerryDaemon daemon;

    /**
     * VG vg of five 128 MiB PVs (4 MiB extents), LV vg/lv of 32 MiB with {@code copies} copies on the first PVs (the
     * log on the next), in sync and written whole; the daemon's JVM given {@code jvmOptions}.
     */
    private AckedBlockWriter mirrored(long seed, int copies, List<String> jvmOptions) throws Exception {
        Path work = dir.resolve("run");
        Files.createDirectories(work);
        daemon = daemons.own(FerryDaemon.start(work, List.of(), jvmOptions));
        String[] pvs = IntStream.rangeClosed(1, 5).mapToObj(this::pv).toArray(String[]::new);
        daemon.cliOk(Stream.concat(Stream.of("pvcreate", "--size", "128M"), Stream.of(pvs)).toArray(String[]::new));
        daemon.cliOk(Stream.concat(Stream.of("vgcreate", "-s", "4M", "vg"), Stream.of(pvs)).toArray(String[]::new));
        daemon.cliOk(Stream.concat(Stream.of("lvcreate", "-m" + (copies - 1), "-n", "lv", "-L", "32M", "vg"),
                Stream.of(pvs).limit(copies + 1)).toArray(String[]::new));
        Poll.until(WAIT, "vg/lv in sync", () -> report(daemon, "lvs", "-o", "copy_percent", "vg/lv")
                .at("/report/0/lv/0/copy_percent").asText().startsWith("100"));
        AckedBlockWriter writer = new AckedBlockWriter(seed, BLOCK, BLOCKS, 8);
        try (NbdClient client = daemon.nbdClient("vg/lv")) {
            writer.fill(client);
        }
        return writer;
    }

    private String pv(int n) {
        return dir.resolve("run").resolve("pv" + n).toString();
    }

    private JsonNode job(String location) {
        return daemon.api("GET", location, null);
    }

    /** Runs {@code args}, which must be refused with INRESYNC naming {@code job} and {@code operation}. */
    private void refused(String job, String operation, String... args) {
        CliResult r = daemon.cli(args);
        assertThat(r.exit()).as(r.describe()).isEqualTo(INRESYNC_EXIT);
        assertThat(r.err()).as(r.describe()).contains("is being resynchronised (" + job)
                .contains("retry " + operation + " once the job has ended");
    }

    private String lvSize() {
        return report(daemon, "lvs", "--units", "m", "-o", "lv_size", "vg/lv").at("/report/0/lv/0/lv_size").asText();
    }

    @Test
    void everyOperationOnAnLvBeingResyncedIsRefusedNamingTheJobAndWorksAfterIt() throws Exception {
        AckedBlockWriter writer = mirrored(41, 2, List.of());
        daemon.cliOk("lvchange", "--maxrecoveryrate", "512k", "vg/lv");   // 32 MiB: about a minute
        String out = daemon.cliOk("resynclv", "-f", "-b", "vg/lv").out();
        String location = out.replaceAll("(?s).*\\((/v1/resyncs/(\\d+))\\).*", "$1");
        String job = "resynclv job " + location.substring(location.lastIndexOf('/') + 1) + " runs on it";
        Poll.until(WAIT, "the job part way", () -> job(location).path("percent").asDouble() > 0);
        try (NbdClient client = daemon.nbdClient("vg/lv")) {
            writer.start(client);
            Poll.until(WAIT, "writes under way", () -> writer.acknowledged() > 50);

            refused(job, "lvrename", "lvrename", "-f", "vg/lv", "renamed");
            refused(job, "lvextend", "lvextend", "-L", "+4M", "vg/lv");
            refused(job, "lvreduce", "lvreduce", "-f", "-L", "-4M", "vg/lv");
            refused(job, "lvresize", "lvresize", "-f", "-L", "40M", "vg/lv");
            refused(job, "lvremove", "lvremove", "-f", "vg/lv");
            refused(job, "vgremove", "vgremove", "-f", "vg");
            refused(job, "pvmove", "pvmove", "-b", pv(1));
            assertThat(job(location).path("state").asText()).isEqualTo("RUNNING");
            assertThat(lvSize()).startsWith("32.00");
            assertThat(daemon.api("GET", "/v1/pvmoves", null).path("pvmoves")).as("no move started").isEmpty();

            daemon.cliOk("lvchange", "--maxrecoveryrate", "0", "vg/lv");
            Poll.until(WAIT, "the job to end", () -> !job(location).path("state").asText().equals("RUNNING"));
            assertThat(job(location).path("outcome").asText()).as("%s", job(location)).isEqualTo("SUCCESS");
            long during = writer.acknowledged();
            Poll.until(WAIT, "writes after the job", () -> writer.acknowledged() > during + 50);
            assertThat(writer.stop()).as("no write failed").isNull();
            writer.verifyAndSettle(client);
        }
        MirrorLegs.assertIdentical(daemon, "vg", "lv", EXTENT);

        daemon.cliOk("lvextend", "-L", "+4M", "vg/lv");
        assertThat(lvSize()).as("extended once the job ended").startsWith("36.00");
        daemon.cliOk("pvmove", "-b", "--rate", "256k", pv(1));
        CliResult locked = daemon.cli("resynclv", "-f", "vg/lv");
        assertThat(locked.exit()).as(locked.describe()).isEqualTo(INRESYNC_EXIT);
        assertThat(locked.err()).contains("LV_LOCKED").contains("is being moved by pvmove");
        daemon.cliOk("pvmove", "--abort");
    }

    @Test
    void aThreeCopyMigrateppBetweenItsReduceAndItsExtendKeepsItsPvsAndCopies() throws Exception {
        mirrored(42, 3, List.of("-D" + HALT_PROPERTY + "=reduce"));
        daemon.cliOk("migratepp", "-b", "vg", pv(1) + ":0", pv(5) + ":20");
        Poll.until(WAIT, "the job halted after its reduce", () -> daemon.log().contains("halted after its reduce"));
        String job = "migratepp job 1 runs on it";

        CliResult r = daemon.cli("vgreduce", "vg", pv(5));
        assertThat(r.exit()).as(r.describe()).isEqualTo(INRESYNC_EXIT);
        assertThat(r.err()).contains("a migratepp job moves LE 0 from or to " + pv(5)).contains("retry vgreduce");
        CliResult in = daemon.cli("pvremove", pv(5));
        assertThat(in.exit()).as(in.describe()).isNotZero();
        assertThat(in.err()).contains("PV_IN_USE");

        Files.delete(Path.of(pv(3)));   // a copy's PV lost: --removemissing --force would drop the LV's copies there
        Poll.until(WAIT, "PV 3 lost", () -> report(daemon, "vgs", "-o", "vg_missing_pv_count", "vg")
                .at("/report/0/vg/0/vg_missing_pv_count").asText().equals("1"));
        refused(job, "vgreduce --removemissing", "vgreduce", "--removemissing", "--force", "vg");
        assertThat(report(daemon, "vgs", "-o", "pv_count", "vg").at("/report/0/vg/0/pv_count").asText())
                .as("no PV dropped").isEqualTo("5");
        assertThat(MirrorLegs.copies(daemon, "vg", "lv", EXTENT).get(1L)).as("LE 1 keeps its three copies")
                .hasSize(3);
    }
}
