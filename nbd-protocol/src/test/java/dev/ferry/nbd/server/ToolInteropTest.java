package dev.ferry.nbd.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ferry.nbd.export.BlockSizeConstraints;
import dev.ferry.nbd.export.ExportCapabilities;
import dev.ferry.nbd.testing.MemoryExport;
import dev.ferry.nbd.testing.TestCatalog;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The in-JVM server against real libnbd and qemu clients (skipped when a tool is missing). */
class ToolInteropTest {

    private static final long SIZE = 8L * 1024 * 1024;

    private MemoryExport disk;
    private MemoryExport readOnly;
    private NbdServer server;
    private int port;

    @BeforeEach
    void start() throws Exception {
        disk = new MemoryExport("disk", SIZE);
        readOnly = new MemoryExport("ro", SIZE, ExportCapabilities.FULL.asReadOnly(), BlockSizeConstraints.DEFAULT,
                "read-only disk");
        server = NbdServer.builder().catalog(new TestCatalog(disk, readOnly)).port(0).build();
        port = server.start().getPort();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void nbdinfoReportsSizeFlagsAndBlockSizes() throws Exception {
        String json = run("nbdinfo", "--json", uri("disk"));
        assertThat(json).contains("\"export-size\": " + SIZE)
                .contains("\"can_multi_conn\": true")
                .contains("\"can_fua\": true")
                .contains("\"can_trim\": true")
                .contains("\"can_zero\": true")
                .contains("\"can_fast_zero\": true")
                .contains("\"can_df\": true")
                .contains("\"is_read_only\": false")
                .contains("\"block_size_preferred\": 4096")
                .contains("\"base:allocation\"");
        String ro = run("nbdinfo", "--json", uri("ro"));
        assertThat(ro).contains("\"is_read_only\": true").contains("\"description\": \"read-only disk\"");
    }

    @Test
    void nbdinfoListsEveryExport() throws Exception {
        String out = run("nbdinfo", "--list", "--json", "nbd://127.0.0.1:" + port);
        assertThat(out).contains("\"export-name\": \"disk\"").contains("\"export-name\": \"ro\"");
    }

    @Test
    void nbdinfoMapShowsWrittenDataAndHoles() throws Exception {
        byte[] data = new byte[65536];
        Arrays.fill(data, (byte) 7);
        disk.write(1024 * 1024, io.netty.buffer.Unpooled.wrappedBuffer(data), false).get();
        String map = run("nbdinfo", "--map", uri("disk"));
        assertThat(map).containsPattern("\\s+0\\s+1048576\\s+3\\s+hole,zero")
                .containsPattern("\\s+1048576\\s+65536\\s+0\\s+data")
                .containsPattern("\\s+1114112\\s+7274496\\s+3\\s+hole,zero");
    }

    @Test
    void qemuIoWritesAndReadsBackAPattern() throws Exception {
        String out = run("qemu-io", "-f", "raw", uri("disk"), "-c", "write -P 0xab 0 64k",
                "-c", "read -P 0xab 0 64k", "-c", "read -P 0 64k 64k");
        assertThat(out).contains("wrote 65536/65536 bytes").contains("read 65536/65536 bytes")
                .doesNotContain("Pattern verification failed");
        byte[] expected = new byte[65536];
        Arrays.fill(expected, (byte) 0xab);
        assertThat(disk.contents(0, 65536)).isEqualTo(expected);
    }

    private String uri(String export) {
        return "nbd://127.0.0.1:" + port + "/" + export;
    }

    private static String run(String... command) throws IOException, InterruptedException {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin", command[0])),
                command[0] + " is not installed (scripts/install-tools.sh installs it)");
        List<String> cmd = new ArrayList<>(List.of(command));
        Path log = Files.createTempFile("nbd-tool", ".out");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            boolean finished = p.waitFor(60, TimeUnit.SECONDS);
            if (!finished) {
                p.destroyForcibly().waitFor();
            }
            String text = Files.readString(log, StandardCharsets.UTF_8);
            assertThat(finished).as("%s finished within 60 s; output:%n%s", cmd, text).isTrue();
            assertThat(p.exitValue()).as("%s exit status; output:%n%s", cmd, text).isZero();
            return text;
        } finally {
            Files.deleteIfExists(log);
        }
    }
}

