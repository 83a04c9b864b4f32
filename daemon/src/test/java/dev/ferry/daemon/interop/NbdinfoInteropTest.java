package dev.ferry.daemon.interop;

import static dev.ferry.daemon.interop.TestFiles.MIB;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.daemon.testing.ExternalTool;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code nbdinfo} (libnbd) against the real {@code ferry serve} process: flags, size, block status, export list. */
class NbdinfoInteropTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    final ServeProcesses servers = new ServeProcesses();

    @TempDir
    Path dir;

    @BeforeEach
    void nbdinfoInstalled() {
        ExternalTool.assumeInstalled("libnbd-bin", "nbdinfo");
    }

    @Test
    void jsonReportsSizeAndEveryWritableFlag() throws Exception {
        Path file = TestFiles.sparse(dir.resolve("disk.img"), 64 * MIB + 512);
        ServeProcess serve = servers.start(dir, file, "disk", "--description", "test disk");

        JsonNode export = exportOf(ExternalTool.run(TIMEOUT, "nbdinfo", "--json", serve.uri()).assertSuccess());
        assertThat(export.get("export-name").asText()).isEqualTo("disk");
        assertThat(export.get("export-size").asLong()).isEqualTo(64 * MIB + 512);
        assertThat(export.get("description").asText()).isEqualTo("test disk");
        for (String flag : List.of("can_flush", "can_fua", "can_trim", "can_zero", "can_multi_conn", "can_cache",
                "can_fast_zero")) {
            assertThat(export.get(flag).asBoolean()).as(flag).isTrue();
        }
        assertThat(export.get("is_read_only").asBoolean()).isFalse();
        assertThat(export.get("contexts").toString()).contains("base:allocation");
    }

    @Test
    void jsonOfAReadOnlyServeSaysReadOnlyAndCannotWrite() throws Exception {
        Path file = TestFiles.sparse(dir.resolve("ro.img"), 8 * MIB);
        ServeProcess serve = servers.start(dir, file, "ro", "--read-only");

        JsonNode export = exportOf(ExternalTool.run(TIMEOUT, "nbdinfo", "--json", serve.uri()).assertSuccess());
        assertThat(export.get("is_read_only").asBoolean()).isTrue();
        assertThat(export.get("can_trim").asBoolean()).isFalse();
        assertThat(export.get("can_zero").asBoolean()).isFalse();
        assertThat(export.get("can_flush").asBoolean()).isTrue();
    }

    @Test
    void mapShowsHolesAndDataExactlyWhereTheFileHasThem() {
        Path file = TestFiles.sparse(dir.resolve("sparse.img"), 64 * MIB);
        TestFiles.writeRandom(file, 3 * MIB, 2 * MIB, 1);
        TestFiles.writeRandom(file, 40 * MIB, 4096, 2);
        TestFiles.writeRandom(file, 64 * MIB - 8192, 8192, 3);
        ServeProcess serve = servers.start(dir, file, "sparse");

        String map = ExternalTool.run(TIMEOUT, "nbdinfo", "--map", serve.uri()).assertSuccess().stdout();
        assertThat(parseMap(map)).containsExactly(
                new long[] {0, 3 * MIB, 3}, new long[] {3 * MIB, 2 * MIB, 0},
                new long[] {5 * MIB, 35 * MIB, 3}, new long[] {40 * MIB, 4096, 0},
                new long[] {40 * MIB + 4096, 24 * MIB - 4096 - 8192, 3}, new long[] {64 * MIB - 8192, 8192, 0});
    }

    @Test
    void listShowsTheOneExport() throws Exception {
        Path file = TestFiles.sparse(dir.resolve("l.img"), MIB);
        ServeProcess serve = servers.start(dir, file, "listed", "--description", "the only one");

        JsonNode list = JSON.readTree(ExternalTool.run(TIMEOUT, "nbdinfo", "--list", "--json",
                "nbd://127.0.0.1:" + serve.port()).assertSuccess().stdout());
        assertThat(list.get("exports")).hasSize(1);
        assertThat(list.get("exports").get(0).get("export-name").asText()).isEqualTo("listed");
        assertThat(list.get("exports").get(0).get("export-size").asLong()).isEqualTo(MIB);
    }

    @Test
    void theDefaultExportNameSelectsTheExport() throws Exception {
        Path file = TestFiles.sparse(dir.resolve("d.img"), 2 * MIB);
        ServeProcess serve = servers.start(dir, file, "named");
        JsonNode export = exportOf(ExternalTool.run(TIMEOUT, "nbdinfo", "--json",
                "nbd://127.0.0.1:" + serve.port() + "/").assertSuccess());
        assertThat(export.get("export-size").asLong()).isEqualTo(2 * MIB);
    }

    private static JsonNode exportOf(ExternalTool.Result result) throws Exception {
        JsonNode exports = JSON.readTree(result.stdout()).get("exports");
        assertThat(exports).as(result.describe()).hasSize(1);
        return exports.get(0);
    }

    /** Lines of {@code nbdinfo --map} as (offset, length, flags), neighbours with equal flags merged. */
    /** {@code nbdinfo --map} output as {offset, length, type} rows, neighbours of one type merged. */
    static List<long[]> parseMap(String map) {
        List<long[]> out = new ArrayList<>();
        for (String line : map.strip().split("\n")) {
            String[] f = line.strip().split("\\s+");
            long offset = Long.parseLong(f[0]);
            long length = Long.parseLong(f[1]);
            long flags = Long.parseLong(f[2]);
            long[] last = out.isEmpty() ? null : out.get(out.size() - 1);
            if (last != null && last[2] == flags && last[0] + last[1] == offset) {
                last[1] += length;
            } else {
                out.add(new long[] {offset, length, flags});
            }
        }
        return out;
    }
}
