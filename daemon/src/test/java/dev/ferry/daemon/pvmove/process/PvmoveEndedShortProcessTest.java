package dev.ferry.daemon.pvmove.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.daemon.cli.client.ControlCallException;
import dev.ferry.daemon.command.ExitCodes;
import dev.ferry.daemon.testing.ChildProcesses;
import dev.ferry.daemon.testing.CliResult;
import dev.ferry.daemon.testing.Exposition;
import dev.ferry.daemon.testing.FaultyDisk;
import dev.ferry.daemon.testing.FerryDaemon;
import dev.ferry.daemon.testing.Poll;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A move that ends short (or is held) reports what it copied, through a real daemon: a rate-limited move aborted with
 * {@code pvmove --abort}, and one held because its destination disk starts to fail its writes (nbdkit's eval plugin
 * behind nbdfuse, {@link FaultyDisk}), each followed by a foreground {@code pvmove} (plain lines) and a bare
 * {@code pvmove --reportformat json}. The abort's output, the last plain line, the last JSON line and
 * {@code GET /v1/pvmoves} all give the same copied bytes and percent: more than nothing, at least the
 * {@code ferry_pvmove_bytes_copied} the daemon's metrics showed before the end, less than the whole LV.
 */
class PvmoveEndedShortProcessTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static final long MIB = 1 << 20;
    private static final long LV_BYTES = 32 * MIB;
    /** Where extents start on a PV; the failing disk spares what lies before (its label and metadata slots). */
    private static final long PE_START = MIB;
    /** Copied bytes the metrics must show before the move is ended. */
    private static final long COPIED_FIRST = 4 * MIB;
    private static final Pattern LAST_LINE = Pattern.compile("(aborted|failed|held) after copying "
            + "(\\d+\\.\\d)/32\\.0 MiB \\((\\d+\\.\\d)%\\)");
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    final ChildProcesses<FerryDaemon> daemons = new ChildProcesses<>();

    @TempDir
    Path dir;

    private FerryDaemon daemon;
    private FaultyDisk disk;

    @AfterEach
    void tearDown() {
        if (daemon != null) {
            daemon.close(); // the daemon lets go of the PV file before the failing disk is unmounted
        }
        if (disk != null) {
            disk.close();
        }
    }

    @Test
    void anAbortedMoveReportsWhatItCopied() throws Exception {
        String src = dir.resolve("a").toString();
        String dst = dir.resolve("b").toString();
        daemon = daemons.own(FerryDaemon.start(dir));
        daemon.cliOk("pvcreate", "--size", "64m", src, dst);
        Followers followers = startMove(src, dst);
        long scraped = awaitCopied();

        CliResult abort = daemon.cliOk("pvmove", "--abort", src);
        assertThat(abort.out()).containsPattern(Pattern.quote("pvmove0: " + src + ": ABORTED after copying "));

        JsonNode end = assertEndsShort(followers, "ABORTED", ExitCodes.OK, scraped);
        assertThat(abort.out()).contains(copiedText(end));
    }

    @Test
    void aMoveHeldByItsFailingDestinationReportsWhatItCopied() throws Exception {
        FaultyDisk.assumeUsable();
        disk = FaultyDisk.create(dir, "dst", 64 * MIB, PE_START);
        String src = dir.resolve("a").toString();
        String dst = disk.file().toString();
        daemon = daemons.own(FerryDaemon.start(dir));
        daemon.cliOk("pvcreate", "--size", "64m", src);
        daemon.cliOk("pvcreate", dst);
        Followers followers = startMove(src, dst);
        long scraped = awaitCopied();

        disk.failWrites(true);

        JsonNode end = assertEndsShort(followers, "HELD", ExitCodes.FAILED, scraped);
        assertThat(end.path("error").path("error").asText()).isEqualTo("MIGRATE_FAIL");
        assertThat(followers.plain().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS).err()).contains("MIGRATE_FAIL");
    }

    /** The CLI commands following one move: the foreground pvmove that started it and a JSON follower. */
    private record Followers(CompletableFuture<CliResult> plain, CompletableFuture<CliResult> json) {
    }

    /**
     * VG {@code vg} over both PVs, LV {@code vg/lv} on {@code src} filled with data (the copy skips what was never
     * written), a foreground move at 2 MiB/s and a follower.
     */
    private Followers startMove(String src, String dst) {
        daemon.cliOk("vgcreate", "-s", "4M", "vg", src, dst);
        daemon.cliOk("lvcreate", "-n", "lv", "-L", LV_BYTES / MIB + "M", "vg", src);
        LvData.fill(daemon, "vg/lv", 29);
        MoveApi api = new MoveApi(daemon);
        CompletableFuture<CliResult> plain = daemon.cliAsync("pvmove", "-i", "1", "--rate", "2M", src, dst);
        Poll.until(TIMEOUT, "the move to run", () -> !api.active().isEmpty());
        return new Followers(plain, daemon.cliAsync("pvmove", "-i", "1", "--reportformat", "json"));
    }

    /** Waits until the metrics show {@link #COPIED_FIRST} copied; the copied bytes of the last scrape. */
    private long awaitCopied() {
        long[] copied = new long[1];
        Poll.until(TIMEOUT, COPIED_FIRST + " bytes copied in ferry_pvmove_bytes_copied", () -> {
            copied[0] = (long) scrape().sum("ferry_pvmove_bytes_copied", "vg", "vg", "lv", "pvmove0");
            return copied[0] >= COPIED_FIRST;
        });
        return copied[0];
    }

    /**
     * Asserts that both followers end with {@code exit}, the last JSON line and the move as listed being in
     * {@code state} with copied bytes above {@code scraped} and below the LV's size and the percent they make, and
     * the last plain line saying so; returns the move as listed.
     */
    private JsonNode assertEndsShort(Followers followers, String state, int exit, long scraped) throws Exception {
        CliResult plain = followers.plain().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        CliResult json = followers.json().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertThat(plain.exit()).as(plain.describe()).isEqualTo(exit);
        assertThat(json.exit()).as(json.describe()).isEqualTo(exit);
        if (!state.equals("HELD")) {   // a held move is not over: its meters stay
            Poll.until(TIMEOUT, "the move's meters to go",
                    () -> scrape().samples("ferry_pvmove_bytes_copied").isEmpty());
        }

        JsonNode end = new MoveApi(daemon).moves().get(0);
        assertThat(end.path("state").asText()).as("%s", end).isEqualTo(state);
        long copied = end.path("copied_bytes").asLong();
        assertThat(copied).as("copied bytes of %s", end).isGreaterThanOrEqualTo(scraped).isLessThan(LV_BYTES);
        assertThat(end.path("total_bytes").asLong()).isEqualTo(LV_BYTES);
        assertThat(end.path("percent").asDouble()).as("to two decimals").isCloseTo(100.0 * copied / LV_BYTES,
                within(0.005));
        assertThat(end.path("segments").get(0).path("percent").asDouble()).as("the segment's, to two decimals")
                .isCloseTo(100.0 * copied / LV_BYTES, within(0.005));

        List<String> lines = json.out().lines().toList();
        JsonNode last = JSON.readTree(lines.get(lines.size() - 1));
        assertThat(last.path("state").asText()).isEqualTo(state);
        assertThat(last.path("copied_bytes").asLong()).as("the JSON follower's last line").isEqualTo(copied);
        assertThat(last.path("percent").asDouble()).isEqualTo(end.path("percent").asDouble());

        Matcher line = LAST_LINE.matcher(plain.out());
        assertThat(line.find()).as("the last line in %s", plain.out()).isTrue();
        assertThat(line.group(1)).isEqualTo(state.toLowerCase(Locale.ROOT));
        assertThat(plain.out()).contains(copiedText(end));
        return end;
    }

    /** How the CLI gives a move's copied bytes: {@code 9.5/32.0 MiB (29.7%)}. */
    private static String copiedText(JsonNode move) {
        return String.format(Locale.ROOT, "%.1f/%.1f MiB (%.1f%%)",
                move.path("copied_bytes").asDouble() / MIB, move.path("total_bytes").asDouble() / MIB,
                move.path("percent").asDouble());
    }

    private Exposition scrape() {
        try {
            return Exposition.parse(daemon.control(Duration.ofSeconds(30)).callText("/metrics"));
        } catch (ControlCallException e) {
            throw new AssertionError("GET /metrics failed: " + e.getMessage(), e);
        }
    }
}
