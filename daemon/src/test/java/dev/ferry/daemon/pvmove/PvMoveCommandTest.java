package dev.ferry.daemon.pvmove;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.daemon.activation.FerryServices;
import dev.ferry.daemon.cli.CliCommands;
import dev.ferry.daemon.cli.client.ControlClient;
import dev.ferry.daemon.control.ControlEndpoint;
import dev.ferry.daemon.process.DaemonConfig;
import dev.ferry.daemon.process.DaemonProcess;
import dev.ferry.daemon.metadata.PvLabel;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ferry pvmove} and {@code /v1/pvmoves} against a real daemon (volume + NBD services) in this JVM. */
class PvMoveCommandTest {
    @TempDir
    Path dir;
    private DaemonProcess daemon;
    private ControlEndpoint.UnixSocket socket;

    /** What one command printed and returned. */
    record Result(int exit, String out, String err) {
    }

    /** The root command. */
    @Command(name = "ferry")
    static final class Ferry implements Runnable {
        @Override
        public void run() {
        }
    }

    @BeforeEach
    void start() throws Exception {
        Path data = dir.resolve("data");
        socket = new ControlEndpoint.UnixSocket(data.resolve(DaemonConfig.CONTROL_SOCKET_NAME));
        DaemonConfig config = new DaemonConfig(data, new InetSocketAddress("127.0.0.1", 0), socket, Optional.empty(),
                Optional.empty(), 2, Duration.ofSeconds(20));
        daemon = DaemonProcess.builder(config).services(new FerryServices().services()).build();
        daemon.start();
    }

    @AfterEach
    void stop() throws Exception {
        daemon.stop("test over");
    }

    private Result run(String... args) {
        List<String> all = new ArrayList<>(Arrays.asList(args));
        all.add(1, "--control");
        all.add(2, socket.path().toString());
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = CliCommands.register(new CommandLine(new Ferry()));
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(all.toArray(String[]::new));
        return new Result(exit, out.toString(), err.toString());
    }

    private String ok(String... args) {
        Result r = run(args);
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

        fillExtents(pv2, 8);
        assertThat(ok("pvmove", "-b", "--rate", "1M/s", pv2, pv3)).isEqualTo("pvmove0: moving " + pv2
                + " in the background\n");
        String lvs = ok("lvs", "-a", "-o", "lv_name,move_pv", "--noheadings");
        assertThat(lvs).contains("[pvmove0]").contains(pv2);
        ControlClient client = new ControlClient(socket, Duration.ofSeconds(20));
        JsonNode list = client.call("GET", "/v1/pvmoves", null);
        JsonNode m = list.path("pvmoves").get(list.path("pvmoves").size() - 1);
        assertThat(m.path("state").asText()).isEqualTo("RUNNING");
        assertThat(m.path("source").asText()).isEqualTo(pv2);
        assertThat(m.path("destinations").get(0).asText()).isEqualTo(pv3);
        assertThat(m.path("lvs").get(0).asText()).isEqualTo("a");
        assertThat(m.path("rate_limit").asLong()).isEqualTo(1 << 20);
        assertThat(m.path("total_bytes").asLong()).isEqualTo(8 << 20);
        assertThat(m.path("segments").get(0).path("state").asText()).isEqualTo("RUNNING");

        assertThat(ok("pvmove", "--rate", "0", pv2)).isEqualTo("pvmove0: rate limit 0 bytes/s\n");
        String bare = ok("pvmove", "-i", "1");
        assertThat(bare).endsWith("pvmove0 " + pv2 + ": Moved: 100.0%\n");
        assertThat(ok("lvs", "-o", "lv_name,devices", "--noheadings")).contains(pv3 + "(0)");

        Result nothing = run("pvmove", pv1);
        assertThat(nothing.exit()).isNotZero();
        assertThat(nothing.err()).contains("NOTHING_TO_MOVE");
        Result none = run("pvmove", "--abort");
        assertThat(none.err()).contains("NO_SUCH_MOVE");

        fillExtents(pv3, 8);
        ok("pvmove", "-b", "--rate", "1M/s", pv3, pv1);
        assertThat(ok("pvmove", "--abort", pv3)).isEqualTo("pvmove0: " + pv3 + ": ABORTED\n");
        assertThat(ok("lvs", "-a", "-o", "lv_name,devices", "--noheadings")).doesNotContain("pvmove")
                .contains(pv3 + "(0)");
        assertThat(client.call("POST", "/v1/pvmoves", Map.of()).path("pvmoves").size()).isEqualTo(3);
    }
}
