package dev.ferry.daemon.interop;

import static dev.ferry.daemon.interop.TestFiles.MIB;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.daemon.testing.ChildProcesses;
import dev.ferry.daemon.testing.CliResult;
import dev.ferry.daemon.testing.ExternalTool;
import dev.ferry.daemon.testing.FerryDaemon;
import dev.ferry.nbd.client.NbdClient;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dirty bitmaps through the real {@code ferry daemon} process and real clients: qemu-io writes mark 64 KiB granules
 * that {@code nbdinfo --map=qemu:dirty-bitmap:NAME} and {@code qemu-img map} (x-dirty-bitmap) show, the bits survive a clean restart and follow the LV
 * through a pvmove, a kill -9 leaves the bitmap inconsistent (listed so, not offered, only removable), lvremove
 * takes the bitmaps along, and an incremental backup that copies only the dirty extents reproduces the LV.
 */
class DirtyBitmapProcessTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static final String LV = "vg/lv";
    private static final String CONTEXT = "qemu:dirty-bitmap:b0";
    private static final long K64 = 64 * 1024;

    @RegisterExtension
    final ChildProcesses<FerryDaemon> daemons = new ChildProcesses<>();

    @TempDir
    Path dir;

    private FerryDaemon daemon;

    @BeforeEach
    void volume() {
        ExternalTool.assumeInstalled("libnbd-bin", "nbdinfo", "nbdcopy");
        ExternalTool.assumeInstalled("qemu-utils", "qemu-io");
        daemon = daemons.own(FerryDaemon.start(dir));
        daemon.cliOk("pvcreate", "--size", "64M", pv(0), pv(1));
        daemon.cliOk("vgcreate", "vg", pv(0), pv(1));
        daemon.cliOk("lvcreate", "-n", "lv", "-L", "32M", "vg", pv(0));
    }

    @Test
    void writesMarkGranulesThatSurviveACleanRestartAndFollowThePvmove() {
        daemon.cliOk("bitmap", "add", LV, "b0");
        assertThat(dirty()).as("a new bitmap is clean").isEmpty();
        qemuIo("write -P 0x11 " + MIB + " 4096", "write -P 0x22 " + (5 * MIB + 100) + " 200000");
        List<long[]> expected = List.of(new long[] {MIB, K64}, new long[] {5 * MIB, 4 * K64});
        assertThat(dirty()).containsExactlyElementsOf(expected);
        assertThat(daemon.cliOk("bitmap", "list", LV).out()).contains("b0", "320.00 KiB", "consistent");
        // qemu's own reader of dirty bitmaps over NBD (its x-dirty-bitmap option reports dirty ranges as not data)
        String qemuMap = ExternalTool.run(TIMEOUT, "qemu-img", "map", "--output=json", "--image-opts",
                "driver=nbd,server.type=inet,server.host=127.0.0.1,server.port=" + daemon.nbdPort() + ",export=" + LV
                        + ",x-dirty-bitmap=" + CONTEXT).assertSuccess().stdout();
        assertThat(qemuMap.replace(" ", "")).contains("\"start\":" + MIB + ",\"length\":" + K64 + ",",
                "\"start\":" + 5 * MIB + ",\"length\":" + 4 * K64 + ",").containsPattern(
                "\"start\":" + MIB + ",[^}]*\"data\":false");

        assertThat(daemon.stop()).isZero();
        daemon.startAgain();
        assertThat(dirty()).as("after a clean restart").containsExactlyElementsOf(expected);

        daemon.cliOk("pvmove", pv(0), pv(1));
        assertThat(dirty()).as("after pvmove").containsExactlyElementsOf(expected);
        qemuIo("write -z " + 20 * MIB + " 8192");
        assertThat(dirty()).as("marked after pvmove").hasSize(3).last()
                .satisfies(e -> assertThat(e).containsExactly(20 * MIB, K64));

        daemon.cliOk("bitmap", "clear", LV, "b0");
        assertThat(dirty()).isEmpty();
    }

    @Test
    void aKill9LeavesTheBitmapInconsistentUnofferedAndOnlyRemovable() {
        daemon.cliOk("bitmap", "add", LV, "b0", "--granularity", "128k");
        qemuIo("write -P 0x33 0 4096");
        daemon.kill9();
        daemon.startAgain();

        assertThat(daemon.cliOk("bitmap", "list", LV).out()).contains("b0", "inconsistent");
        ExternalTool.Result map = ExternalTool.run(TIMEOUT, "nbdinfo", "--map=" + CONTEXT, daemon.nbdUri(LV));
        assertThat(map.exitCode()).as("an inconsistent bitmap is not offered: " + map.describe()).isNotZero();
        CliResult clear = daemon.cli("bitmap", "clear", LV, "b0");
        assertThat(clear.exit()).isNotZero();
        assertThat(clear.err()).contains("BITMAP_INCONSISTENT");
        daemon.cliOk("bitmap", "remove", LV, "b0");
        daemon.cliOk("bitmap", "add", LV, "b0");
        assertThat(dirty()).isEmpty();

        daemon.cliOk("lvremove", "-f", LV);
        daemon.cliOk("lvcreate", "-n", "lv", "-L", "32M", "vg");
        assertThat(daemon.cliOk("bitmap", "list", LV).out()).as("a new LV of the name has no bitmaps")
                .doesNotContain("b0");
    }

    @Test
    void anIncrementalBackupCopiesOnlyTheDirtyExtents() throws IOException {
        qemuIo("write -P 0x44 0 " + 32 * MIB);
        daemon.cliOk("bitmap", "add", LV, "b0");
        Path backup = dir.resolve("backup.img");
        ExternalTool.run(TIMEOUT, "nbdcopy", daemon.nbdUri(LV), backup.toString()).assertSuccess();
        qemuIo("write -P 0x55 " + (3 * MIB + 7) + " 70000", "write -z " + 17 * MIB + " " + MIB,
                "write -P 0x66 " + (32 * MIB - 4096) + " 4096");

        long copied = 0;
        try (NbdClient client = daemon.nbdClient(LV); RandomAccessFile out = new RandomAccessFile(backup.toFile(),
                "rw")) {
            for (long[] e : dirty()) {
                ByteBuf data = client.read(e[0], (int) e[1]).join();
                try {
                    out.seek(e[0]);
                    out.getChannel().write(data.nioBuffer(), e[0]);
                } finally {
                    data.release();
                }
                copied += e[1];
            }
        }
        Path now = dir.resolve("now.img");
        ExternalTool.run(TIMEOUT, "nbdcopy", daemon.nbdUri(LV), now.toString()).assertSuccess();
        assertThat(TestFiles.sha256(backup)).isEqualTo(TestFiles.sha256(now));
        assertThat(copied).as("bytes copied incrementally").isEqualTo(2 * K64 + MIB + K64);
    }

    private String pv(int i) {
        return dir.resolve("pv" + i).toString();
    }

    private void qemuIo(String... commands) {
        List<String> cmd = new java.util.ArrayList<>(List.of("qemu-io", "-f", "raw", daemon.nbdUri(LV)));
        for (String c : commands) {
            cmd.add("-c");
            cmd.add(c);
        }
        ExternalTool.Result r = ExternalTool.run(TIMEOUT, cmd.toArray(String[]::new)).assertSuccess();
        assertThat(r.stdout() + r.stderr()).as(r.describe()).doesNotContainIgnoringCase("fail");
    }

    /** The dirty extents nbdinfo maps in {@code b0}, as {offset, length}. */
    private List<long[]> dirty() {
        String map = ExternalTool.run(TIMEOUT, "nbdinfo", "--map=" + CONTEXT, daemon.nbdUri(LV)).assertSuccess()
                .stdout();
        return NbdinfoInteropTest.parseMap(map).stream().filter(e -> e[2] == 1).map(e -> new long[] {e[0], e[1]})
                .toList();
    }
}
