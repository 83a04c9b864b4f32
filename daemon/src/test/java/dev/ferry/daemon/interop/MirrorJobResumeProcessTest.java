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
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The mirror verbs as background jobs of a real daemon: a forced resync killed with SIGKILL, and a resyncpv stopped
 * with SIGTERM, are resumed from the metadata at the restart, listed under {@code GET /v1/resyncs} as resumed, and
 * complete with every acknowledged block readable, the legs byte-identical and no stale extent left; a migratepp run
 * by the CLI under a rate limit and a concurrent writer is seen RUNNING in {@code GET /v1/resyncs}, reports progress
 * and ends SUCCESS with the data intact, as does one killed with SIGKILL at its resync step, after the restart; a
 * 3-copy migratepp halted after its reduce or its extend and then killed or stopped resumes with every copy.
 */
class MirrorJobResumeProcessTest {
    private static final long MIB = 1 << 20;
    private static final long EXTENT = 4 * MIB;
    private static final int BLOCK = 64 * 1024;
    /** The LV: 32 MiB, 8 extents, written whole so recovery copies every region under the rate limit. */
    private static final int BLOCKS = (int) (32 * MIB / BLOCK);
    private static final Duration WAIT = Duration.ofSeconds(60);

    @RegisterExtension
    final ChildProcesses<FerryDaemon> daemons = new ChildProcesses<>();

    @TempDir
    Path dir;

    private FerryDaemon daemon;

    /** VG vg of PVs 1-3 (4 MiB extents), LV vg/lv mirrored on PVs 1 and 2 (log on 3), in sync and written whole. */
    private AckedBlockWriter mirrored(long seed) throws Exception {
        return mirrored(seed, 2, List.of());
    }

    /**
     * VG vg of PVs 1 to {@code copies + 1} (4 MiB extents), LV vg/lv with {@code copies} copies on the first PVs (the
     * log on the last), in sync and written whole; the daemon's JVM given {@code jvmOptions}.
     */
    private AckedBlockWriter mirrored(long seed, int copies, List<String> jvmOptions) throws Exception {
        Path work = dir.resolve("run");
        Files.createDirectories(work);
        daemon = daemons.own(FerryDaemon.start(work, List.of(), jvmOptions));
        String[] pvs = IntStream.rangeClosed(1, copies + 1).mapToObj(this::pv).toArray(String[]::new);
        daemon.cliOk(concat(List.of("pvcreate", "--size", "128M"), pvs));
        daemon.cliOk(concat(List.of("vgcreate", "-s", "4M", "vg"), pvs));
        daemon.cliOk(concat(List.of("lvcreate", "-m" + (copies - 1), "-n", "lv", "-L", "32M", "vg"), pvs));
        awaitInSync();
        AckedBlockWriter writer = new AckedBlockWriter(seed, BLOCK, BLOCKS, 8);
        try (NbdClient client = daemon.nbdClient("vg/lv")) {
            writer.fill(client);
        }
        return writer;
    }

    private static String[] concat(List<String> head, String[] tail) {
        return Stream.concat(head.stream(), Arrays.stream(tail)).toArray(String[]::new);
    }

    private String pv(int n) {
        return dir.resolve("run").resolve("pv" + n).toString();
    }

    private void awaitInSync() {
        Poll.until(WAIT, "vg/lv in sync", () -> report(daemon, "lvs", "-o", "copy_percent", "vg/lv")
                .at("/report/0/lv/0/copy_percent").asText().startsWith("100"));
    }

    /** The job at {@code location}. */
    private JsonNode job(String location) {
        return daemon.api("GET", location, null);
    }

    /** Starts {@code args} with {@code -b} and waits until its job is RUNNING part way; the job's location. */
    private String startPartWay(String... args) {
        CliResult started = daemon.cliOk(args);
        String location = started.out().replaceAll("(?s).*\\((/v1/resyncs/\\d+)\\).*", "$1");
        Poll.until(WAIT, "the job part way", () -> {
            JsonNode j = job(location);
            return j.path("state").asText().equals("RUNNING") && j.path("percent").asDouble() > 0
                    && j.path("percent").asDouble() < 100;
        });
        return location;
    }

    /** After a restart: the one resumed job, its verb and force, followed to SUCCESS; then the LV is whole. */
    private void resumedCompletes(String verb, AckedBlockWriter writer) throws Exception {
        JsonNode list = daemon.api("GET", "/v1/resyncs", null).path("resyncs");
        assertThat(list).as("jobs after the restart: %s", list).hasSize(1);
        JsonNode resumed = list.get(0);
        assertThat(resumed.path("resumed").asBoolean()).isTrue();
        assertThat(resumed.path("verb").asText()).isEqualTo(verb);
        assertThat(resumed.path("force").asBoolean()).isTrue();
        String location = resumed.path("location").asText();
        Poll.until(WAIT, "the resumed job to end", () -> !job(location).path("state").asText().equals("RUNNING"));
        JsonNode end = job(location);
        assertThat(end.path("outcome").asText()).as("%s", end).isEqualTo("SUCCESS");
        assertWhole(writer);
    }

    /** No stale extent nor job record left, every acknowledged block there, the legs identical. */
    private void assertWhole(AckedBlockWriter writer) throws Exception {
        assertThat(report(daemon, "lvs", "-o", "lv_stale_extents", "vg/lv").at("/report/0/lv/0/lv_stale_extents")
                .asText()).isEqualTo("0");
        try (NbdClient client = daemon.nbdClient("vg/lv")) {
            writer.verifyAndSettle(client);
        }
        awaitInSync();
        MirrorLegs.assertIdentical(daemon, "vg", "lv", EXTENT);
    }

    @Test
    void aForcedResyncKilledWithSigkillResumesAtTheRestartAndCompletes() throws Exception {
        AckedBlockWriter writer = mirrored(31);
        daemon.cliOk("lvchange", "--maxrecoveryrate", "4m", "vg/lv");   // 32 MiB: about 8 s

        startPartWay("resynclv", "-f", "-b", "vg/lv");
        daemon.kill9();
        daemon.startAgain();

        resumedCompletes("resynclv", writer);
        assertThat(daemon.stop()).isZero();
        daemon.startAgain();
        assertThat(daemon.api("GET", "/v1/resyncs", null).path("resyncs")).as("the record went with the job's end")
                .isEmpty();
    }

    @Test
    void aForcedResyncpvStoppedWithSigtermResumesAtTheRestartAndCompletes() throws Exception {
        AckedBlockWriter writer = mirrored(32);
        daemon.cliOk("lvchange", "--maxrecoveryrate", "4m", "vg/lv");

        startPartWay("resyncpv", "-f", "-b", "vg", pv(2));
        assertThat(daemon.terminate()).as("exit status after SIGTERM").isZero();
        daemon.startAgain();

        resumedCompletes("resyncpv", writer);
    }

    @Test
    void migrateppUnderAWriterIsAJobSeenRunningThatEndsWithTheDataIntact() throws Exception {
        AckedBlockWriter writer = mirrored(33);
        daemon.cliOk("lvchange", "--maxrecoveryrate", "1m", "vg/lv");   // LE 0's 4 MiB: about 4 s
        try (NbdClient client = daemon.nbdClient("vg/lv")) {
            writer.start(client);
            Poll.until(WAIT, "writes under way", () -> writer.acknowledged() > 50);
            CompletableFuture<CliResult> moved = daemon.cliAsync("migratepp", "-i", "1", "vg", pv(1) + ":0",
                    pv(3) + ":20");

            Poll.until(WAIT, "the migratepp RUNNING for over a second in GET /v1/resyncs", () -> {
                JsonNode list = daemon.api("GET", "/v1/resyncs", null).path("resyncs");
                return list.size() == 1 && list.get(0).path("verb").asText().equals("migratepp")
                        && list.get(0).path("state").asText().equals("RUNNING")
                        && list.get(0).path("elapsed_seconds").asDouble() > 1.5;
            });
            unthrottle();
            CliResult r = moved.get(60, TimeUnit.SECONDS);
            long during = writer.acknowledged();
            Poll.until(WAIT, "writes after the move", () -> writer.acknowledged() > during + 50);
            assertThat(writer.stop()).as("no write failed").isNull();

            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.out()).containsPattern("migratepp\\d+ vg/lv LE 0: Resynced: [0-9.]+% ")
                    .contains("LE 0 of vg/lv moved from " + pv(1) + ":0 to " + pv(3) + ":20 (SUCCESS).");
            writer.verifyAndSettle(client);
        }
        assertThat(daemon.cliOk("lvs", "-a", "--segments", "--noheadings", "-o", "devices", "vg").out())
                .contains(pv(3) + "(20)");
        assertWhole(writer);
    }

    /**
     * A 3-copy migratepp (reduce, extend, resync) halted by the job's test fault point right after the commit of its
     * reduce or of its extend, the daemon then killed with SIGKILL or stopped with SIGTERM: the metadata shows exactly
     * that step's state, and after the restart the resumed job ends SUCCESS with the LE on all three copies (the
     * destination in, the source out), every acknowledged block there and the copies identical.
     */
    @ParameterizedTest(name = "halted after its {0}, then {1}")
    @CsvSource({"reduce, SIGKILL", "reduce, SIGTERM", "extend, SIGKILL", "extend, SIGTERM"})
    void aThreeCopyMigrateppStoppedAtAnyStepResumesWithEveryCopy(String step, String signal) throws Exception {
        AckedBlockWriter writer = mirrored(35, 3, List.of("-D" + HALT_PROPERTY + "=" + step));
        String source = pv(1) + "(0)";
        String destination = pv(4) + "(20)";
        assertThat(leZero()).contains(source).hasSize(3);
        daemon.cliOk("migratepp", "-b", "vg", pv(1) + ":0", pv(4) + ":20");
        Poll.until(WAIT, "the job halted after its " + step, () -> daemon.log().contains("halted after its " + step));

        List<String> halted = leZero();
        assertThat(halted).as("LE 0 after the %s", step).doesNotContain(source)
                .hasSize(step.equals("reduce") ? 2 : 3);
        assertThat(halted.contains(destination)).isEqualTo(step.equals("extend"));
        if (signal.equals("SIGKILL")) {
            daemon.kill9();
        } else {
            assertThat(daemon.terminate()).as("exit status after SIGTERM").isZero();
        }
        daemon.startAgain();

        JsonNode list = daemon.api("GET", "/v1/resyncs", null).path("resyncs");
        assertThat(list).as("jobs after the restart: %s", list).hasSize(1);
        assertThat(list.get(0).path("resumed").asBoolean()).isTrue();
        assertThat(list.get(0).path("verb").asText()).isEqualTo("migratepp");
        String location = list.get(0).path("location").asText();
        Poll.until(WAIT, "the resumed move to end", () -> !job(location).path("state").asText().equals("RUNNING"));
        assertThat(job(location).path("outcome").asText()).as("%s", job(location)).isEqualTo("SUCCESS");
        assertThat(leZero()).containsExactlyInAnyOrder(pv(2) + "(0)", pv(3) + "(0)", destination);
        assertWhole(writer);
    }

    /** The copies of LE 0 of vg/lv, {@code PV(PE)} each. */
    private List<String> leZero() {
        return MirrorLegs.copies(daemon, "vg", "lv", EXTENT).get(0L);
    }

    /**
     * Lifts the rate limit ({@code --maxrecoveryrate 0}) once the job has been seen running slowly, so it ends
     * at once.
     */
    private void unthrottle() {
        daemon.cliOk("lvchange", "--maxrecoveryrate", "0", "vg/lv");
    }

    @Test
    void aMigrateppKilledWithSigkillAtItsResyncResumesAndMovesTheCopy() throws Exception {
        AckedBlockWriter writer = mirrored(34, 2, List.of("-D" + HALT_PROPERTY + "=extend"));
        CliResult started = daemon.cliOk("migratepp", "-b", "vg", pv(2) + ":0", pv(3) + ":30");
        assertThat(started.out()).contains("moving in the background");
        Poll.until(WAIT, "the job halted after its extend", () -> daemon.log().contains("halted after its extend"));
        assertThat(leZero()).as("the new copy recorded").contains(pv(3) + "(30)");
        daemon.kill9();
        daemon.startAgain();

        JsonNode list = daemon.api("GET", "/v1/resyncs", null).path("resyncs");
        assertThat(list).as("jobs after the restart: %s", list).hasSize(1);
        assertThat(list.get(0).path("resumed").asBoolean()).isTrue();
        assertThat(list.get(0).path("verb").asText()).isEqualTo("migratepp");
        assertThat(list.get(0).path("source").asText()).isEqualTo(pv(2) + ":0");
        String location = list.get(0).path("location").asText();
        Poll.until(WAIT, "the resumed move to end", () -> !job(location).path("state").asText().equals("RUNNING"));
        assertThat(job(location).path("outcome").asText()).isEqualTo("SUCCESS");
        String devices = daemon.cliOk("lvs", "-a", "--segments", "--noheadings", "-o", "devices", "vg").out();
        assertThat(devices).contains(pv(3) + "(30)").doesNotContain(pv(2) + "(0)");
        assertWhole(writer);
    }
}
