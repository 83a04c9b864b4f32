package dev.ferry.daemon.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.daemon.command.DefaultLocations;
import dev.ferry.daemon.model.Area;
import dev.ferry.daemon.model.LogicalVolume;
import dev.ferry.daemon.model.PhysicalVolume;
import dev.ferry.daemon.model.VolumeGroup;
import dev.ferry.daemon.operations.VolumeService;
import dev.ferry.daemon.process.DaemonProcess;
import dev.ferry.daemon.process.StopReport;
import dev.ferry.daemon.testing.Curl;
import dev.ferry.daemon.testing.ExternalTool;
import dev.ferry.daemon.testing.InProcessDaemon;
import dev.ferry.daemon.testing.NbdfuseMount;
import dev.ferry.daemon.testing.Poll;
import dev.ferry.daemon.wiring.FerryServices;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon with its volume and NBD services (in this JVM, on the real control and NBD sockets): every LV is
 * an export {@code VG/LV} that nbdinfo lists, qemu-io writes and reads, whose size grows live, that refuses
 * removal while a client is attached, and that carries an ext4 file system across a daemon restart.
 */
class VolumeDaemonInteropTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final long MIB = 1 << 20;

    @TempDir
    Path dir;

    /** Undo actions, run newest first whatever happens. */
    private final Deque<Runnable> cleanup = new ArrayDeque<>();
    private DaemonProcess daemon;
    private FerryServices services;

    @AfterEach
    void tearDown() throws Exception {
        AssertionError failed = null;
        while (!cleanup.isEmpty()) {
            try {
                cleanup.pop().run();
            } catch (RuntimeException | AssertionError e) {
                failed = failed == null ? new AssertionError("cleanup failed", e) : failed;
            }
        }
        if (daemon != null) {
            daemon.stop("test over");
        }
        if (failed != null) {
            throw failed;
        }
    }

    @Test
    void lvsAreListedWrittenGrownAndGuardedThroughRealClients() throws Exception {
        ExternalTool.assumeInstalled("libnbd-bin", "nbdinfo");
        ExternalTool.assumeInstalled("qemu-utils", "qemu-io");
        Curl.assumeInstalled();
        startDaemon();
        createVolumes();

        String list = ExternalTool.run(TIMEOUT, "nbdinfo", "--list", baseUri()).assertSuccess().stdout();
        assertThat(list).contains("export=\"vg/data\"").contains("export=\"vg/small\"");

        ExternalTool.run(TIMEOUT, "qemu-io", "-f", "raw", "-c", "write -P 0x5a 1M 2M", uri("vg/small"))
                .assertSuccess();
        ExternalTool.run(TIMEOUT, "qemu-io", "-f", "raw", "-c", "read -P 0x5a 1M 2M", uri("vg/small"))
                .assertSuccess();
        byte[] expected = new byte[(int) (2 * MIB)];
        Arrays.fill(expected, (byte) 0x5a);
        assertThat(readFromPv("small", MIB, expected.length)).isEqualTo(expected);

        Path log = dir.resolve("qemu-io.log");
        Process attached = new ProcessBuilder(ExternalTool.find("qemu-io").toString(), "-f", "raw", uri("vg/small"))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        cleanup.push(attached::destroyForcibly);
        Poll.until(TIMEOUT, "qemu-io to attach", () -> volumes().activator().isOpen("vg", "small"));
        api(200, "POST", "/v1/vgs/vg/lvs/small/resize", "{\"mode\":\"extend\",\"size\":\"+8M\"}");
        assertThat(api(409, "DELETE", "/v1/vgs/vg/lvs/small", null)).contains("LV_OPEN");
        assertThat(api(200, "GET", "/v1/reports/lvs?o=lv_name,lv_attr", null)).contains("-wi-ao----");
        try (OutputStream in = attached.getOutputStream()) {
            in.write("write -P 0x44 3M 1M\nread -P 0x44 3M 1M\nread -P 0x5a 1M 1M\nquit\n"
                    .getBytes(StandardCharsets.US_ASCII));
        }
        assertThat(attached.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(Files.readString(log)).as("a client attached across the live table swap keeps working")
                .contains("wrote 1048576/1048576 bytes at offset 3145728")
                .contains("read 1048576/1048576 bytes at offset 3145728")
                .doesNotContain("failed");

        assertThat(ExternalTool.run(TIMEOUT, "nbdinfo", "--size", uri("vg/small")).assertSuccess().stdout().strip())
                .as("the new size reaches a client that connects again").isEqualTo(String.valueOf(16 * MIB));
        ExternalTool.run(TIMEOUT, "qemu-io", "-f", "raw", "-c", "read -P 0x5a 1M 2M", "-c",
                "write -P 0x33 15M 1M", "-c", "read -P 0x33 15M 1M", uri("vg/small")).assertSuccess();
        Poll.until(TIMEOUT, "qemu-io to detach", () -> !volumes().activator().isOpen("vg", "small"));
        api(200, "DELETE", "/v1/vgs/vg/lvs/small", null);
        assertThat(ExternalTool.run(TIMEOUT, "nbdinfo", "--list", baseUri()).assertSuccess().stdout())
                .contains("export=\"vg/data\"").doesNotContain("vg/small");
    }

    @Test
    void dmsetupDevicesAreExportedUnderTheirOwnNames() throws Exception {
        ExternalTool.assumeInstalled("libnbd-bin", "nbdinfo");
        ExternalTool.assumeInstalled("qemu-utils", "qemu-io");
        Curl.assumeInstalled();
        startDaemon();
        createVolumes();
        Path backing = dir.resolve("backing.img");
        try (RandomAccessFile f = new RandomAccessFile(backing.toFile(), "rw")) {
            f.setLength(16 * MIB);
        }
        api(201, "POST", "/v1/dm", "{\"name\":\"hand\",\"table\":\"0 8192 linear " + backing + " 0\"}");
        assertThat(ExternalTool.run(TIMEOUT, "nbdinfo", "--list", baseUri()).assertSuccess().stdout())
                .contains("export=\"hand\"").contains("export=\"vg/data\"");
        assertThat(api(200, "GET", "/v1/dm", null)).as("LVs' devices show up as VG-LV").contains("\"vg-data\"");
        ExternalTool.run(TIMEOUT, "qemu-io", "-f", "raw", "-c", "write -P 0x6c 1M 2M", "-c", "read -P 0x6c 1M 2M",
                uri("hand")).assertSuccess();
        byte[] expected = new byte[(int) (2 * MIB)];
        Arrays.fill(expected, (byte) 0x6c);
        ByteBuffer onFile = ByteBuffer.allocate(expected.length);
        try (FileChannel ch = FileChannel.open(backing, StandardOpenOption.READ)) {
            ch.read(onFile, MIB);
        }
        assertThat(onFile.array()).as("the export writes through to the file of the table").isEqualTo(expected);

        api(200, "PUT", "/v1/dm/hand/table", "{\"table\":\"0 32768 linear " + backing + " 0\"}");
        api(200, "POST", "/v1/dm/hand/resume", null);
        assertThat(ExternalTool.run(TIMEOUT, "nbdinfo", "--size", uri("hand")).assertSuccess().stdout().strip())
                .as("a reloaded table's size reaches a client that connects again")
                .isEqualTo(String.valueOf(16 * MIB));

        Path log = dir.resolve("qemu-io-hand.log");
        Process attached = new ProcessBuilder(ExternalTool.find("qemu-io").toString(), "-f", "raw", uri("hand"))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        cleanup.push(attached::destroyForcibly);
        Poll.until(TIMEOUT, "qemu-io to attach to hand", () -> services.volumes().dmExports().clients("hand") > 0);
        assertThat(api(409, "DELETE", "/v1/dm/hand", null)).contains("DEVICE_BUSY");
        assertThat(ExternalTool.run(TIMEOUT, "nbdinfo", "--list", baseUri()).assertSuccess().stdout())
                .as("a refused remove leaves the export").contains("export=\"hand\"");
        try (OutputStream in = attached.getOutputStream()) {
            in.write("read -P 0x6c 1M 2M\nwrite -P 0x11 12M 1M\nquit\n".getBytes(StandardCharsets.US_ASCII));
        }
        assertThat(attached.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(Files.readString(log)).contains("wrote 1048576/1048576 bytes at offset 12582912")
                .doesNotContain("failed");
        api(200, "DELETE", "/v1/dm/hand", null);
        assertThat(services.exports().find("hand")).isEmpty();
        assertThat(ExternalTool.run(TIMEOUT, "nbdinfo", "--list", baseUri()).assertSuccess().stdout())
                .doesNotContain("export=\"hand\"").contains("export=\"vg/data\"");
    }

    @Test
    void ext4OnAnLvSurvivesADaemonRestart() throws Exception {
        NbdfuseMount.assumeUsable();
        Curl.assumeInstalled();
        startDaemon();
        createVolumes();
        byte[] big = new byte[(int) (5 * MIB + 4321)];
        new Random(42).nextBytes(big);

        Path mnt = mount("first", true);
        Files.writeString(mnt.resolve("hello.txt"), "hello from an LV\n");
        Files.createDirectory(mnt.resolve("dir"));
        Files.write(mnt.resolve("dir/big.bin"), big);
        try (FileChannel ch = FileChannel.open(mnt.resolve("dir/big.bin"), StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        unmountAll();

        StopReport stopped = daemon.stop("restart");
        daemon = null;
        assertThat(stopped.clean()).as(stopped.toString()).isTrue();
        startDaemon();

        Path again = mount("second", false);
        assertThat(Files.readString(again.resolve("hello.txt"))).isEqualTo("hello from an LV\n");
        assertThat(Files.readAllBytes(again.resolve("dir/big.bin"))).isEqualTo(big);
        unmountAll();
    }

    // ---------------------------------------------------------------- helpers

    private void startDaemon() throws Exception {
        services = new FerryServices();
        daemon = InProcessDaemon.start(dir.resolve("data"), services);
    }

    /** Two PVs, VG {@code vg}, LVs {@code data} (96 MiB, over both PVs) and {@code small}, through the control API. */
    private void createVolumes() throws Exception {
        String pv1 = dir.resolve("pv1").toString();
        String pv2 = dir.resolve("pv2").toString();
        api(201, "POST", "/v1/pvs", "{\"path\":\"" + pv1 + "\",\"size\":\"80M\"}");
        api(201, "POST", "/v1/pvs", "{\"path\":\"" + pv2 + "\",\"size\":\"80M\"}");
        api(201, "POST", "/v1/vgs", "{\"name\":\"vg\",\"pvs\":[\"" + pv1 + "\",\"" + pv2 + "\"]}");
        api(201, "POST", "/v1/vgs/vg/lvs", "{\"name\":\"data\",\"size\":\"96M\"}");
        api(201, "POST", "/v1/vgs/vg/lvs", "{\"name\":\"small\",\"size\":\"8M\"}");
    }

    /** Calls the control API over its Unix socket with curl; fails unless it answers {@code status}. */
    private String api(int status, String method, String path, String json) throws Exception {
        return Curl.api(dir.resolve("data").resolve(DefaultLocations.CONTROL_SOCKET_NAME), status, method, path,
                json);
    }

    private VolumeService volumes() {
        return services.volumes().volumes();
    }

    private String baseUri() {
        return "nbd://127.0.0.1:" + services.nbd().boundAddress().getPort();
    }

    private String uri(String export) {
        return baseUri() + "/" + export;
    }

    /** Bytes of LV {@code lv} read straight from the PV file holding {@code offset} (a linear LV). */
    private byte[] readFromPv(String lv, long offset, int length) throws IOException {
        VolumeGroup vg = volumes().manager().volumeGroup("vg").orElseThrow();
        LogicalVolume l = vg.lv(lv).orElseThrow();
        long le = offset / vg.extentSize();
        var seg = l.segments().stream().filter(s -> s.startLe() <= le && le < s.endLe()).findFirst().orElseThrow();
        Area a = seg.areas().get(0);
        PhysicalVolume pv = vg.pv(a.pv()).orElseThrow();
        ByteBuffer b = ByteBuffer.allocate(length);
        try (FileChannel ch = FileChannel.open(Path.of(pv.name()), StandardOpenOption.READ)) {
            long pos = pv.peStart() + a.startPe() * vg.extentSize() + offset - seg.startLe() * vg.extentSize();
            while (b.hasRemaining() && ch.read(b, pos + b.position()) >= 0) {
                continue;
            }
        }
        return b.array();
    }

    /** Mounts {@code vg/data} through nbdfuse and a loop device (after mkfs.ext4 if {@code format}); unmounted at the end. */
    private Path mount(String name, boolean format) {
        NbdfuseMount fs = NbdfuseMount.mount(dir, name, uri("vg/data"), 96 * MIB, format);
        cleanup.push(fs::close);
        return fs.mountPoint();
    }

    /** Unmounts, detaches the loop device and stops nbdfuse, newest first; failures fail the test. */
    private void unmountAll() {
        while (!cleanup.isEmpty()) {
            cleanup.pop().run();
        }
    }
}
