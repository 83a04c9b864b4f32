package dev.ferry.daemon.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.daemon.activation.PvWrapper;
import dev.ferry.daemon.control.ControlEndpoint;
import dev.ferry.daemon.metadata.PvLabel;
import dev.ferry.daemon.process.DaemonProcess;
import dev.ferry.daemon.testing.CliResult;
import dev.ferry.daemon.testing.InProcessCli;
import dev.ferry.daemon.testing.InProcessDaemon;
import dev.ferry.daemon.wiring.FerryServices;
import dev.ferry.mapper.testing.FaultyDevice;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code ferry migratepp}, {@code resyncpv}, {@code resynclv} and {@code resynclp} against a real daemon in this JVM:
 * outcome names in the messages, RESYNC_FAILED as a warning with exit 0, refusals with their stable exit codes.
 */
class MirrorCommandsTest {
    @TempDir
    Path dir;
    private DaemonProcess daemon;
    private ControlEndpoint.UnixSocket socket;
    private final Set<String> failingWrites = ConcurrentHashMap.newKeySet();

    /** What one command printed and returned. */
    @BeforeEach
    void start() throws Exception {
        Path data = dir.resolve("data");
        socket = InProcessDaemon.controlSocket(data);
        PvWrapper wrapper = (path, file) -> {
            FaultyDevice d = new FaultyDevice(file);
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

    private String ok(String... args) {
        CliResult r = run(args);
        assertThat(r.exit()).as(r.err()).isZero();
        return r.out();
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
}
