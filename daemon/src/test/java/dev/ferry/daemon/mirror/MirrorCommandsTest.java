package dev.ferry.daemon.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.daemon.activation.PvWrapper;
import dev.ferry.daemon.cli.client.ControlCallException;
import dev.ferry.daemon.cli.client.ControlClient;
import dev.ferry.daemon.control.ControlEndpoint;
import dev.ferry.daemon.metadata.PvLabel;
import dev.ferry.daemon.process.DaemonProcess;
import dev.ferry.daemon.testing.CliResult;
import dev.ferry.daemon.testing.InProcessCli;
import dev.ferry.daemon.testing.InProcessDaemon;
import dev.ferry.daemon.testing.Poll;
import dev.ferry.daemon.wiring.FerryServices;
import dev.ferry.mapper.testing.FaultyDevice;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code ferry migratepp}, {@code resyncpv}, {@code resynclv} and {@code resynclp} against a real daemon in this JVM:
 * outcome names in the messages, RESYNC_FAILED as a warning with exit 0, refusals with their stable exit codes; a
 * resync under a recovery rate followed through {@code GET /v1/resyncs} and the command's progress lines, INRESYNC
 * for a second one, NOTSYNCED's exit code, and {@code -b}.
 */
class MirrorCommandsTest {
    @TempDir
    Path dir;
    private DaemonProcess daemon;
    private ControlEndpoint.UnixSocket socket;
    private final Set<String> failingWrites = ConcurrentHashMap.newKeySet();
    private final Map<String, FaultyDevice> faulty = new ConcurrentHashMap<>();

    /** What one command printed and returned. */
    @BeforeEach
    void start() throws Exception {
        Path data = dir.resolve("data");
        socket = InProcessDaemon.controlSocket(data);
        PvWrapper wrapper = (path, file) -> {
            FaultyDevice d = new FaultyDevice(file);
            faulty.put(path, d);
            return failingWrites.contains(path) ? d.failWrites() : d;
        };
        daemon = InProcessDaemon.start(data, new FerryServices(FerryServices::blockDeviceExport, wrapper));
        for (int i = 1; i <= 5; i++) {
            ok("pvcreate", "--size", "64m", pv(i));
        }
        ok("vgcreate", "-s", "1m", "vg", pv(1), pv(2), pv(3), pv(4), pv(5));
        fillExtents(pv(1), 8);   // no holes: recovery would zero a hole run across LEs without the new copy
        ok("lvcreate", "-m", "1", "-R", "1m", "-L", "4m", "-n", "m", "vg", pv(1), pv(2), pv(3));
    }

    @AfterEach
    void stop() throws Exception {
        failingWrites.clear();
        faulty.values().forEach(FaultyDevice::heal);
        daemon.stop("test over");
    }

    /** Writes random data over the first {@code extents} 1 MiB extents of a PV. */
    private static void fillExtents(String pv, int extents) throws Exception {
        byte[] data = new byte[extents << 20];
        new java.util.Random(7).nextBytes(data);
        try (FileChannel ch = FileChannel.open(Path.of(pv), StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(data), PvLabel.DEFAULT_PE_START);
        }
    }

    private String pv(int n) {
        return dir.resolve("pv" + n).toString();
    }

    private CliResult run(String... args) {
        return InProcessCli.run(socket.path(), args);
    }

    /** Runs a command printing into {@code out}, which another thread may watch while it runs. */
    private CliResult run(StringWriter out, String... args) {
        return InProcessCli.run(socket.path(), out, args);
    }

    private String ok(String... args) {
        CliResult r = run(args);
        assertThat(r.exit()).as(r.err()).isZero();
        return r.out();
    }

    @Test
    void aRecoveryRateOfZeroLiftsTheLimitAndABadOneIsRefused() {
        ok("lvchange", "--maxrecoveryrate", "4m", "vg/m");
        ok("lvchange", "--maxrecoveryrate", "0", "vg/m");
        ok("lvchange", "--maxrecoveryrate", "0m", "vg/m");
        CliResult bad = run("lvchange", "--maxrecoveryrate", "fast", "vg/m");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("Invalid recovery rate 'fast'");
    }

    @Test
    void migrateppMovesACopyAndRefusesWithStableExitCodes() {
        assertThat(ok("migratepp", "vg", pv(1) + ":0", pv(4) + ":10"))
                .contains("LE 0 of vg/m moved from " + pv(1) + ":0 to " + pv(4) + ":10 (SUCCESS)");

        CliResult taken = run("migratepp", "vg", pv(2) + ":1", pv(4) + ":10");
        assertThat(taken.exit()).isEqualTo(2);
        assertThat(taken.err()).contains("is not free", "INVALID_ARGUMENT");
        CliResult offline = run("migratepp", "nope", pv(2) + ":1", pv(4) + ":11");
        assertThat(offline.exit()).isEqualTo(4);
        assertThat(offline.err()).contains("OFFLINE");
        assertThat(run("migratepp", "vg", "no-colon", pv(4) + ":11").exit()).isEqualTo(2);

        failingWrites.add(pv(5));
        CliResult stale = run("migratepp", "vg", pv(2) + ":1", pv(5) + ":3");
        assertThat(stale.exit()).as(stale.err()).isZero();
        assertThat(stale.err()).contains("WARNING", "RESYNC_FAILED");
        assertThat(stale.out()).contains("(RESYNC_FAILED)");
    }

    @Test
    void aMirroredLogIsCreatedListedAsLvmDoesMovedAndSwitchedLive() {
        ok("lvcreate", "-m", "1", "--mirrorlog", "mirrored", "-L", "4m", "-n", "ml", "vg", pv(2), pv(3), pv(4), pv(5));
        assertThat(ok("lvs", "-a", "-o", "lv_name,lv_attr,mirror_log,devices", "vg"))
                .containsPattern("(?m)^\\s*ml\\s+mwi-a-m---\\s+\\[ml_mlog\\]\\s+ml_mimage_0\\(0\\),"
                        + "ml_mimage_1\\(0\\)\\s*$")
                .containsPattern("(?m)^\\s*\\[ml_mlog\\]\\s+mwi-aom---\\s+ml_mlog_mimage_0\\(0\\),"
                        + "ml_mlog_mimage_1\\(0\\)\\s*$")
                .containsPattern("(?m)^\\s*\\[ml_mlog_mimage_0\\]\\s+iwi-aom---\\s+" + pv(4) + "\\(0\\)\\s*$")
                .containsPattern("(?m)^\\s*\\[ml_mlog_mimage_1\\]\\s+iwi-aom---\\s+" + pv(5) + "\\(0\\)\\s*$");

        ok("pvmove", pv(5), pv(1));
        assertThat(ok("lvs", "-a", "-o", "lv_name,lv_attr,devices", "vg"))
                .containsPattern("(?m)^\\s*\\[ml_mlog_mimage_1\\]\\s+iwi-aom---\\s+" + pv(1) + "\\(\\d+\\)\\s*$");

        ok("lvconvert", "--mirrorlog", "disk", "vg/ml");
        assertThat(ok("lvs", "-a", "-o", "lv_name,lv_attr", "vg")).containsPattern("\\[ml_mlog\\]\\s+lwi-aom---")
                .doesNotContain("ml_mlog_mimage");
        CliResult again = run("lvconvert", "--mirrorlog", "disk", "vg/ml");
        assertThat(again.exit()).isEqualTo(2);
        assertThat(again.err()).contains("already has a disk mirror log", "INVALID_ARGUMENT");
        assertThat(run("lvconvert", "--repair", "--mirrorlog", "disk", "vg/ml").err()).contains("Give exactly one");

        CliResult noRoom = run("lvcreate", "-m", "1", "--mirrorlog", "mirrored", "-L", "4m", "-n", "x", "vg", pv(1),
                pv(2), pv(3));
        assertThat(noRoom.exit()).isNotZero();
        assertThat(noRoom.err()).contains("INSUFFICIENT_SPACE", "needs 4 physical volumes", "--alloc anywhere");
    }

    @Test
    void resyncCommandsReportWhatTheyRewrote() {
        assertThat(ok("resynclv", "vg/m")).contains("Resynced 0 copies", "(SUCCESS)");
        assertThat(ok("resynclp", "-f", "vg/m", "2")).contains("Resynced 1 copies of 1 logical extents", "(SUCCESS)");
        assertThat(ok("resyncpv", "-f", "vg", pv(2))).contains("Resynced 4 copies of 4 logical extents",
                "PVs [\"" + pv(2) + "\"]");
        CliResult bad = run("resynclp", "vg/m", "9");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("INVALID_ARGUMENT");
    }

    @Test
    void resyncNotsyncedExitsOneNamingTheCopiesLeftStale() {
        faulty.get(pv(2)).failWrites();

        CliResult r = run("resynclp", "-f", "vg/m", "1");

        assertThat(r.exit()).as(r.err()).isEqualTo(1);
        assertThat(r.err()).contains("resynclp: could not resync m LE 1 (copy", "(NOTSYNCED)");
    }

    /**
     * LV big: 16 extents, legs on pv4 and pv5 with data (recovery zeroes holes without copying, past the rate), core
     * log, in sync, resync limited to 4 MiB/s.
     */
    private void bigRateLimitedMirror() throws Exception {
        fillExtents(pv(4), 16);
        fillExtents(pv(5), 16);
        ok("lvcreate", "-m", "1", "--mirrorlog", "core", "-R", "1m", "-L", "16m", "-n", "big", "vg", pv(4), pv(5));
        Poll.until(Duration.ofSeconds(30), "big in sync", () -> ok("lvs", "--noheadings", "-o", "copy_percent",
                "vg/big").trim().equals("100.00"));
        ok("lvchange", "--maxrecoveryrate", "4m", "vg/big");   // 16 MiB: about 4 s
    }

    private static double percent(JsonNode job) {
        return job.path("percent").asDouble();
    }

    private static boolean running(JsonNode job) {
        return job.path("state").asText().equals("RUNNING");
    }

    @Test
    void resyncProgressIsShownByTheApiAndTheCommandUntilItsOutcome() throws Exception {
        bigRateLimitedMirror();
        ControlClient client = new ControlClient(socket, Duration.ofSeconds(20));
        StringWriter out = new StringWriter();
        CompletableFuture<CliResult> fg = CompletableFuture.supplyAsync(() -> run(out, "resynclv", "-f", "-i", "1",
                "vg/big"));

        JsonNode[] job = new JsonNode[1];
        Poll.until(Duration.ofSeconds(30), "the resync under way in GET /v1/resyncs", () -> {
            JsonNode list = call(client, "/v1/resyncs").path("resyncs");
            job[0] = list.size() == 0 ? null : list.get(list.size() - 1);
            return job[0] != null && running(job[0]) && percent(job[0]) > 0 && percent(job[0]) < 100;
        });
        String location = job[0].path("location").asText();
        assertThat(location).isEqualTo("/v1/resyncs/" + job[0].path("id").asLong());
        assertThat(job[0].path("verb").asText()).isEqualTo("resynclv");
        assertThat(job[0].path("target").asText()).isEqualTo("vg/big");
        assertThat(job[0].path("total_bytes").asLong()).isEqualTo(16 << 20);
        assertThat(job[0].path("outcome").isNull()).isTrue();
        CliResult busy = run("resynclp", "vg/big", "3");
        assertThat(busy.exit()).as(busy.err()).isEqualTo(4);
        assertThat(busy.err()).contains("INRESYNC");
        double first = percent(job[0]);
        Poll.until(Duration.ofSeconds(30), "the resync further along", () -> {
            JsonNode now = call(client, location);
            return running(now) && percent(now) > first && percent(now) < 100;
        });
        Pattern line = Pattern.compile("resync\\d+ vg/big: Resynced: ([0-9.]+)% [0-9.]+ MiB/s.*");
        Poll.until(Duration.ofSeconds(30), "two progress lines from the command", () ->
                out.toString().lines().filter(l -> line.matcher(l).matches()).count() >= 2 || fg.isDone());

        CliResult r = fg.get(60, TimeUnit.SECONDS);
        assertThat(r.exit()).as(r.err()).isZero();
        List<Double> percents = r.out().lines().map(line::matcher).filter(Matcher::matches)
                .map(m -> Double.parseDouble(m.group(1))).toList();
        assertThat(percents).hasSizeGreaterThanOrEqualTo(2).isSorted();
        assertThat(percents.get(percents.size() - 1)).isGreaterThan(percents.get(0));
        assertThat(r.out()).contains("Resynced 16 copies of 16 logical extents (LVs [\"big\"], PVs [\"")
                .endsWith(") (SUCCESS).\n");
        JsonNode end = call(client, location);
        assertThat(end.path("state").asText()).isEqualTo("SUCCEEDED");
        assertThat(end.path("outcome").asText()).isEqualTo("SUCCESS");
        assertThat(percent(end)).isEqualTo(100.0);
        assertThat(end.path("error").isNull()).isTrue();
    }

    @Test
    void resyncInTheBackgroundReturnsAtOnce() throws Exception {
        bigRateLimitedMirror();

        String started = ok("resynclv", "-b", "-f", "vg/big");

        Matcher m = Pattern.compile("  resync\\d+ vg/big: resyncing in the background \\((/v1/resyncs/\\d+)\\)\n")
                .matcher(started);
        assertThat(m.matches()).as(started).isTrue();
        ControlClient client = new ControlClient(socket, Duration.ofSeconds(20));
        assertThat(call(client, m.group(1)).path("state").asText()).as("16 MiB at 4 MiB/s is not done yet")
                .isEqualTo("RUNNING");
        Poll.until(Duration.ofSeconds(30), "the background resync to end", () ->
                !running(call(client, m.group(1))));
        JsonNode end = call(client, m.group(1));
        assertThat(end.path("outcome").asText()).isEqualTo("SUCCESS");
        assertThat(end.path("copies").asLong()).isEqualTo(16);
        assertThat(run("resynclp", "vg/big", "3").exit()).as("the LV is free again").isZero();
    }

    private static JsonNode call(ControlClient client, String path) {
        try {
            return client.call("GET", path, null);
        } catch (ControlCallException e) {
            throw new AssertionError(e);
        }
    }
}
