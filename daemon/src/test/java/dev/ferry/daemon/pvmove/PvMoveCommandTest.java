package dev.ferry.daemon.pvmove;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.daemon.activation.PvWrapper;
import dev.ferry.daemon.cli.client.ControlClient;
import dev.ferry.daemon.control.ControlEndpoint;
import dev.ferry.daemon.metadata.PvLabel;
import dev.ferry.daemon.process.DaemonProcess;
import dev.ferry.daemon.testing.CliResult;
import dev.ferry.daemon.testing.InProcessCli;
import dev.ferry.daemon.testing.InProcessDaemon;
import dev.ferry.daemon.testing.Poll;
import dev.ferry.daemon.wiring.FerryServices;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code ferry pvmove} and {@code /v1/pvmoves} against a real daemon (volume + NBD services) in this JVM. */
class PvMoveCommandTest {
    @TempDir
    Path dir;
    private DaemonProcess daemon;
    private ControlEndpoint.UnixSocket socket;
    /** Holds every write to pv3 (the second move's destination) until the test opens it. */
    private final CompletableFuture<Void> pv3Gate = new CompletableFuture<>();

    /** What one command printed and returned. */
    @BeforeEach
    void start() throws Exception {
        Path data = dir.resolve("data");
        socket = InProcessDaemon.controlSocket(data);
        PvWrapper gatePv3 = (path, file) -> path.endsWith("/pv3") ? new WriteGatedDevice(file, pv3Gate) : file;
        daemon = InProcessDaemon.start(data, new FerryServices(FerryServices::blockDeviceExport, gatePv3));
    }

    @AfterEach
    void stop() throws Exception {
        pv3Gate.complete(null);
        daemon.stop("test over");
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

    /** Writes random data over the first {@code extents} 1 MiB extents of a PV (so the copy is not sparse). */
    private static void fillExtents(String pv, int extents) throws Exception {
        byte[] data = new byte[extents << 20];
        new java.util.Random(7).nextBytes(data);
        try (FileChannel ch = FileChannel.open(Path.of(pv), StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(data), PvLabel.DEFAULT_PE_START);
        }
    }

    @Test
    void foregroundBackgroundRateContinueAbortAndRefusalsThroughTheCli() throws Exception {
        String pv1 = dir.resolve("pv1").toString();
        String pv2 = dir.resolve("pv2").toString();
        String pv3 = dir.resolve("pv3").toString();
        ok("pvcreate", "--size", "64m", pv1, pv2, pv3);
        ok("vgcreate", "-s", "1m", "vg", pv1, pv2, pv3);
        ok("lvcreate", "-n", "a", "-L", "8m", "vg", pv1);

        String fg = ok("pvmove", "-i", "1", pv1, pv2);
        assertThat(fg).endsWith("pvmove0 " + pv1 + ": Moved: 100.0%\n");
        assertThat(ok("lvs", "-o", "lv_name,devices", "--noheadings")).contains(pv2 + "(0)");
        List<String> jsonLines = ok("pvmove", "--reportformat", "json", "-i", "1", pv2, pv1).lines().toList();
        for (String progress : jsonLines) {   // JSON lines: progress reports (if any came), then the end
            assertThat(new ObjectMapper().readTree(progress).path("source").asText()).isEqualTo(pv2);
        }
        JsonNode moved = new ObjectMapper().readTree(jsonLines.get(jsonLines.size() - 1));
        assertThat(moved.path("state").asText()).isEqualTo("COMPLETED");
        assertThat(moved.path("percent").asDouble()).isEqualTo(100.0);
        assertThat(moved.path("source").asText()).isEqualTo(pv2);
        ok("pvmove", "-i", "1", pv1, pv2);

        fillExtents(pv2, 8);
        assertThat(ok("pvmove", "-b", "--rate", "1M/s", pv2, pv3)).isEqualTo("pvmove0: moving " + pv2
                + " in the background\n");
        String lvs = ok("lvs", "-a", "-o", "lv_name,move_pv", "--noheadings");
        assertThat(lvs).contains("[pvmove0]").contains(pv2);
        ControlClient client = new ControlClient(socket, Duration.ofSeconds(20));
        JsonNode list = client.call("GET", "/v1/pvmoves", null);
        JsonNode m = list.path("pvmoves").get(list.path("pvmoves").size() - 1);
        assertThat(m.path("state").asText()).isIn("PLANNED", "RUNNING");
        assertThat(m.path("source").asText()).isEqualTo(pv2);
        assertThat(m.path("destinations").get(0).asText()).isEqualTo(pv3);
        assertThat(m.path("lvs").get(0).asText()).isEqualTo("a");
        assertThat(m.path("rate_limit").asLong()).isEqualTo(1 << 20);
        assertThat(m.path("total_bytes").asLong()).isEqualTo(8 << 20);
        assertThat(m.path("segments").get(0).path("state").asText()).isIn("DISABLED", "RUNNING");

        assertThat(ok("pvmove", "--rate", "2M/s", pv2)).isEqualTo("pvmove0: rate limit 2097152 bytes/s\n");
        StringWriter bareOut = new StringWriter();
        CompletableFuture<CliResult> bare = CompletableFuture.supplyAsync(() -> run(bareOut, "pvmove", "-i", "1"));
        Poll.until(Duration.ofSeconds(30), "a bare pvmove to report the held move in progress",
                () -> bareOut.toString().contains("pvmove0 " + pv2 + ": Moved: ") || bare.isDone());
        assertThat(bare).as("the bare pvmove must follow the held move, not return").isNotDone();
        pv3Gate.complete(null);
        CliResult followed = bare.get(60, TimeUnit.SECONDS);
        assertThat(followed.exit()).as(followed.err()).isZero();
        assertThat(followed.out()).endsWith("pvmove0 " + pv2 + ": Moved: 100.0%\n");
        assertThat(ok("lvs", "-o", "lv_name,devices", "--noheadings")).contains(pv3 + "(0)");

        CliResult nothing = run("pvmove", pv1);
        assertThat(nothing.exit()).isNotZero();
        assertThat(nothing.err()).contains("NOTHING_TO_MOVE");
        CliResult none = run("pvmove", "--abort");
        assertThat(none.err()).contains("NO_SUCH_MOVE");

        fillExtents(pv3, 8);
        ok("pvmove", "-b", "--rate", "1M/s", pv3, pv1);
        assertThat(ok("pvmove", "--abort", pv3)).startsWith("pvmove0: " + pv3 + ": ABORTED after copying ")
                .matches("(?s).* \\d+\\.\\d/\\d+\\.\\d MiB \\(\\d+\\.\\d%\\)\n");
        assertThat(ok("lvs", "-a", "-o", "lv_name,devices", "--noheadings")).doesNotContain("pvmove")
                .contains(pv3 + "(0)");
        assertThat(client.call("POST", "/v1/pvmoves", Map.of()).path("pvmoves").size()).isEqualTo(5);
    }
}
