package dev.ferry.daemon.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.daemon.cli.client.ControlCallException;
import dev.ferry.daemon.testing.CliResult;
import dev.ferry.mapper.device.MappedDevice;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** dmsetup through the CLI and the routes over a real device registry whose tables map temporary files. */
class DmRoutesTest {
    private static final int SECTOR = 512;

    @TempDir
    Path dir;
    private ApiFixture f;
    private String disk;
    private byte[] content;

    @BeforeEach
    void start() throws Exception {
        f = new ApiFixture(dir, Duration.ofSeconds(20));
        content = new byte[2048 * SECTOR];
        new Random(42).nextBytes(content);
        disk = dir.resolve("disk.img").toString();
        Files.write(Path.of(disk), content);
    }

    @AfterEach
    void stop() throws Exception {
        f.close();
    }

    private String ok(String... args) {
        CliResult r = f.run(args);
        assertThat(r.err()).isEmpty();
        assertThat(r.exit()).isZero();
        return r.out();
    }

    private void refused(int exit, String err, String... args) {
        CliResult r = f.run(args);
        assertThat(r.err()).isEqualTo(err + "\n");
        assertThat(r.exit()).isEqualTo(exit);
        assertThat(r.out()).isEmpty();
    }

    private MappedDevice device(String name) {
        return f.registry.lookup(name).orElseThrow();
    }

    private static byte[] read(MappedDevice d, long offset, int length) throws Exception {
        ByteBuffer buf = ByteBuffer.allocate(length);
        d.read(offset, buf).get(20, TimeUnit.SECONDS);
        return buf.array();
    }

    @Test
    void createLoadSuspendResumeRemoveWithLinearAndZeroTables() throws Exception {
        assertThat(ok("dmsetup", "ls")).isEqualTo("No devices found\n");
        assertThat(ok("dmsetup", "create", "lin", "--table", "0 1024 linear " + disk + " 0\n1024 1024 zero")).isEmpty();
        assertThat(ok("dmsetup", "ls")).isEqualTo("lin\t(ACTIVE)\n");
        assertThat(ok("dmsetup", "table", "lin")).isEqualTo("0 1024 linear " + disk + " 0\n1024 1024 zero\n");
        assertThat(ok("dmsetup", "status", "lin")).isEqualTo("0 1024 linear\n1024 1024 zero\n");
        assertThat(ok("dmsetup", "info", "lin")).isEqualTo("Name:              lin\n"
            + "State:             ACTIVE\n"
            + "Tables present:    LIVE\n"
            + "Open count:        0\n"
            + "Event number:      0\n"
            + "Number of targets: 2\n");
        MappedDevice lin = device("lin");
        assertThat(read(lin, 0, 1024 * SECTOR)).isEqualTo(Arrays.copyOf(content, 1024 * SECTOR));
        assertThat(read(lin, 1024 * SECTOR, 4096)).isEqualTo(new byte[4096]);

        Path table = dir.resolve("new.table");
        Files.writeString(table, "# the whole disk, shifted\n0 2047 linear " + disk + " 1\n");
        assertThat(ok("dmsetup", "load", "lin", table.toString())).isEmpty();
        assertThat(ok("dmsetup", "table", "--inactive", "lin")).isEqualTo("0 2047 linear " + disk + " 1\n");
        assertThat(ok("dmsetup", "table", "lin")).isEqualTo("0 1024 linear " + disk + " 0\n1024 1024 zero\n");
        assertThat(ok("dmsetup", "info", "lin")).contains("Tables present:    LIVE & INACTIVE\n");

        assertThat(ok("dmsetup", "suspend", "lin")).isEmpty();
        assertThat(ok("dmsetup", "info", "lin")).contains("State:             SUSPENDED\n");
        ByteBuffer queued = ByteBuffer.allocate(SECTOR);
        CompletableFuture<Void> pending = lin.read(0, queued);
        assertThat(pending).isNotDone();
        assertThat(ok("dmsetup", "resume", "lin")).isEmpty();
        pending.get(20, TimeUnit.SECONDS);
        assertThat(queued.array()).isEqualTo(Arrays.copyOfRange(content, SECTOR, 2 * SECTOR));
        assertThat(ok("dmsetup", "table", "lin")).isEqualTo("0 2047 linear " + disk + " 1\n");
        assertThat(ok("dmsetup", "info", "lin")).contains("State:             ACTIVE\n", "Tables present:    LIVE\n");

        assertThat(ok("dmsetup", "suspend", "--noflush", "lin")).isEmpty();
        assertThat(lin.info().state().name()).isEqualTo("SUSPENDED");
        ok("dmsetup", "resume", "lin");

        assertThat(ok("dmsetup", "remove", "lin")).isEmpty();
        assertThat(f.registry.lookup("lin")).isEmpty();
        assertThat(ok("dmsetup", "ls")).isEqualTo("No devices found\n");
        assertThat(Files.readAllBytes(Path.of(disk))).isEqualTo(content);
    }

    @Test
    void stackedDevicesAndTheAllDevicesForms() throws Exception {
        ok("dmsetup", "create", "base", "--table", "0 2048 linear " + disk + " 0");
        ok("dmsetup", "create", "top", "--table", "0 1024 linear base 1024\n1024 8 zero");
        assertThat(ok("dmsetup", "ls")).isEqualTo("base\t(ACTIVE)\ntop\t(ACTIVE)\n");
        assertThat(ok("dmsetup", "table")).isEqualTo("base: 0 2048 linear " + disk + " 0\n"
            + "top: 0 1024 linear base 1024\ntop: 1024 8 zero\n");
        assertThat(ok("dmsetup", "info", "base")).contains("Open count:        1\n");
        assertThat(read(device("top"), 0, SECTOR)).isEqualTo(Arrays.copyOfRange(content, 1024 * SECTOR, 1025 * SECTOR));
        refused(4, "ferry dmsetup remove: device 'base' is open (1 openers); use --force to remove it anyway (DEVICE_BUSY)",
            "dmsetup", "remove", "base");
        ok("dmsetup", "remove", "top");
        ok("dmsetup", "remove", "base");
        JsonNode devices = f.call("GET", "/v1/dm", null);
        assertThat(devices.toString()).isEqualTo("{\"devices\":[]}");
    }

    @Test
    void refusalsNameTheErrorAndChangeNothing() throws Exception {
        refused(2, "ferry dmsetup create: invalid table for device 'bad': line 2: unknown target type 'lineer' "
            + "(known: delay, error, flakey, linear, striped, zero) (INVALID_TABLE)",
            "dmsetup", "create", "bad", "--table", "0 8 zero\n8 8 lineer " + disk + " 0");
        refused(2, "ferry dmsetup create: invalid table for device 'bad': line 1: the table must start at sector 0, "
            + "this first line starts at 8 (INVALID_TABLE)", "dmsetup", "create", "bad", "--table", "8 8 zero");
        assertThat(f.registry.list()).isEmpty();
        refused(2, "ferry dmsetup create: invalid device name 'a b': 1..127 printable characters without '/' or blanks "
            + "(INVALID_DEVICE_NAME)", "dmsetup", "create", "a b", "--table", "0 8 zero");
        ok("dmsetup", "create", "z", "--table", "0 8 zero");
        refused(4, "ferry dmsetup create: Device 'z' already exists (DEVICE_EXISTS)",
            "dmsetup", "create", "z", "--table", "0 8 zero");
        refused(2, "ferry dmsetup load: invalid table for device 'z': line 1: mapping of 8 sectors at offset 4096 lies "
            + "outside device '" + disk + "' of 2048 sectors (INVALID_TABLE)",
            "dmsetup", "load", "z", "--table", "0 8 linear " + disk + " 4096");
        refused(2, "ferry dmsetup load: invalid table for device 'z': device 'z': table maps onto mapped:z, which "
            + "depends on this device (INVALID_TABLE)", "dmsetup", "load", "z", "--table", "0 8 linear z 0");
        assertThat(device("z").info().inactiveTable()).isFalse();
        refused(3, "ferry dmsetup table: Device 'nope' not found (DEVICE_NOT_FOUND)", "dmsetup", "table", "nope");
        refused(3, "ferry dmsetup resume: Device 'nope' not found (DEVICE_NOT_FOUND)", "dmsetup", "resume", "nope");
        ok("dmsetup", "suspend", "z");
        refused(4, "ferry dmsetup suspend: device 'z': illegal transition SUSPENDED -> SUSPENDING (DEVICE_STATE)",
            "dmsetup", "suspend", "z");
        ok("dmsetup", "resume", "z");
        assertThatThrownBy(() -> f.call("POST", "/v1/dm", Map.of("name", "y")))
            .isInstanceOfSatisfying(ControlCallException.class, e -> {
                assertThat(e.errorName()).isEqualTo("INVALID_REQUEST_BODY");
                assertThat(e.httpStatus()).isEqualTo(400);
                assertThat(e.getMessage()).isEqualTo("request body lacks the required property 'table'");
            });
        assertThat(ok("dmsetup", "ls")).isEqualTo("z\t(ACTIVE)\n");
    }

    @Test
    void aTableFromStandardInput() throws Exception {
        java.io.InputStream stdin = System.in;
        System.setIn(new java.io.ByteArrayInputStream(("0 16 linear " + disk + " 8\n")
            .getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        try {
            assertThat(ok("dmsetup", "create", "piped")).isEmpty();
        } finally {
            System.setIn(stdin);
        }
        assertThat(ok("dmsetup", "table", "piped")).isEqualTo("0 16 linear " + disk + " 8\n");
        assertThat(read(device("piped"), 0, SECTOR)).isEqualTo(Arrays.copyOfRange(content, 8 * SECTOR, 9 * SECTOR));
        refused(2, "ferry dmsetup load: give the table either with --table or as TABLE_FILE, not both",
            "dmsetup", "load", "piped", "--table", "0 8 zero", disk);
    }

    @Test
    void jsonModePrintsTheDaemonsAnswer() throws Exception {
        JsonNode created = new ObjectMapper().readTree(ok("dmsetup", "create", "--reportformat", "json", "z",
            "--table", "0 16 zero"));
        assertThat(created.toString()).isEqualTo("{\"name\":\"z\",\"state\":\"ACTIVE\",\"open_count\":0,"
            + "\"live_table\":true,\"inactive_table\":false,\"event_number\":0,\"target_count\":1,\"size\":8192}");
    }

    @Test
    void aSuspendThatCannotDrainTimesOutAndLeavesTheDeviceActive() throws Exception {
        Path other = dir.resolve("short");
        Files.createDirectories(other);
        try (ApiFixture g = new ApiFixture(other, Duration.ofMillis(300))) {
            assertThat(g.run("dmsetup", "create", "lower", "--table", "0 2048 linear " + disk + " 0").exit()).isZero();
            assertThat(g.run("dmsetup", "create", "upper", "--table", "0 2048 linear lower 0").exit()).isZero();
            assertThat(g.run("dmsetup", "suspend", "lower").exit()).isZero();
            ByteBuffer buf = ByteBuffer.allocate(SECTOR);
            CompletableFuture<Void> stuck = g.registry.lookup("upper").orElseThrow().read(0, buf);
            CliResult r = g.run("dmsetup", "suspend", "upper");
            assertThat(r.err()).isEqualTo("ferry dmsetup suspend: suspend of device 'upper' timed out after 300 ms with "
                + "1 requests in flight; device is ACTIVE again (SUSPEND_TIMEOUT)\n");
            assertThat(r.exit()).isEqualTo(1);
            assertThat(g.registry.lookup("upper").orElseThrow().state().name()).isEqualTo("ACTIVE");
            assertThat(g.run("dmsetup", "resume", "lower").exit()).isZero();
            stuck.get(20, TimeUnit.SECONDS);
            assertThat(buf.array()).isEqualTo(Arrays.copyOf(content, SECTOR));
        }
    }
}
