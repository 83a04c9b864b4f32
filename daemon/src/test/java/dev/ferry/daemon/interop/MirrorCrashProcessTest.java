package dev.ferry.daemon.interop;

import static dev.ferry.daemon.testing.MirrorLegs.report;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.daemon.testing.AckedBlockWriter;
import dev.ferry.daemon.testing.ChildProcesses;
import dev.ferry.daemon.testing.FerryDaemon;
import dev.ferry.daemon.testing.MirrorLegs;
import dev.ferry.daemon.testing.Poll;
import dev.ferry.daemon.testing.RawHttp;
import dev.ferry.nbd.client.NbdClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 1 GiB mirrored LV (two legs, 4 MiB extents, three sparse file PVs) in a real daemon that is killed with SIGKILL
 * or stopped with SIGTERM while a writer writes a few MiB of it with FUA: after the restart every acknowledged block
 * reads back, the resync leaves both legs' bytes on the PV files identical, and {@code ferry_mirror_resync_bytes_total}
 * shows how much was copied: a few dirty regions with the disk log (or a mirrored one), nothing after a clean stop,
 * the whole LV for a passive mirror after a crash.
 */
class MirrorCrashProcessTest {
    private static final Duration SYNC = Duration.ofSeconds(60);
    private static final long MIB = 1 << 20;
    private static final long LV_BYTES = 1024 * MIB;
    private static final int BLOCK = 4096;
    /** The written area: the LV's first 4 MiB (two 2 MiB regions). */
    private static final int BLOCKS = (int) (4 * MIB / BLOCK);
    private static final Pattern RESYNC = Pattern.compile(
            "(?m)^ferry_mirror_resync_bytes_total\\{(?=[^}]*lv=\"lv\")(?=[^}]*vg=\"vg\")[^}]*} (\\S+)$");

    @RegisterExtension
    final ChildProcesses<FerryDaemon> daemons = new ChildProcesses<>();

    @TempDir
    Path dir;

    @Test
    void afterKillNineWithTheDiskLogOnlyDirtyRegionsAreResyncedAndTheLegsAgree() throws Exception {
        FerryDaemon daemon = mirrored(List.of());
        long resynced = stopWhileWriting(daemon, new AckedBlockWriter(1, BLOCK, BLOCKS, 8), true);
        System.out.printf("MirrorCrashProcessTest: disk log, kill -9: %d bytes resynced (%.3f%% of the LV)%n",
                resynced, 100.0 * resynced / LV_BYTES);
        assertThat(resynced).as("resync after kill -9 with a disk log").isLessThan(LV_BYTES / 10);
    }

    @Test
    void afterACleanStopWithTheDiskLogNothingIsResynced() throws Exception {
        FerryDaemon daemon = mirrored(List.of());
        long resynced = stopWhileWriting(daemon, new AckedBlockWriter(2, BLOCK, BLOCKS, 8), false);
        System.out.printf("MirrorCrashProcessTest: disk log, SIGTERM: %d bytes resynced%n", resynced);
        assertThat(resynced).isZero();
    }

    @Test
    void aPassiveMirrorResyncsNothingAfterACleanStopAndEverythingAfterKillNine() throws Exception {
        FerryDaemon daemon = mirrored(List.of("--mwc", "passive"));
        AckedBlockWriter writer = new AckedBlockWriter(3, BLOCK, BLOCKS, 8);
        long clean = stopWhileWriting(daemon, writer, false);
        System.out.printf("MirrorCrashProcessTest: passive, SIGTERM: %d bytes resynced%n", clean);
        assertThat(clean).isZero();
        long crashed = stopWhileWriting(daemon, writer, true);
        System.out.printf("MirrorCrashProcessTest: passive, kill -9: %d bytes resynced (LV %d bytes)%n", crashed,
                LV_BYTES);
        assertThat(crashed).isPositive();
    }

    @Test
    void withAMirroredLogACleanStopResyncsNothingAndKillNineOnlyDirtyRegions() throws Exception {
        FerryDaemon daemon = mirrored(List.of("--mirrorlog", "mirrored"), 4);
        AckedBlockWriter writer = new AckedBlockWriter(5, BLOCK, BLOCKS, 8);
        long clean = stopWhileWriting(daemon, writer, false);
        System.out.printf("MirrorCrashProcessTest: mirrored log, SIGTERM: %d bytes resynced%n", clean);
        assertThat(clean).isZero();
        long crashed = stopWhileWriting(daemon, writer, true);
        System.out.printf("MirrorCrashProcessTest: mirrored log, kill -9: %d bytes resynced (%.3f%% of the LV)%n",
                crashed, 100.0 * crashed / LV_BYTES);
        assertThat(crashed).as("resync after kill -9 with a mirrored log").isLessThan(LV_BYTES / 10);
        assertThat(report(daemon, "lvs", "-a", "-o", "lv_name,lv_attr,copy_percent", "vg").at("/report/0/lv")
                .toString()).contains("{\"lv_name\":\"[lv_mlog]\",\"lv_attr\":\"mwi-aom---\","
                + "\"copy_percent\":\"100.00\"}");
    }

    @Test
    void aMirrorWithoutConsistencySaysItsCopiesMayDifferAfterKillNineUntilAForcedResync() throws Exception {
        FerryDaemon daemon = mirrored(List.of("--mwc", "off"));
        AckedBlockWriter writer = new AckedBlockWriter(4, BLOCK, BLOCKS, 8);
        NbdClient client = daemon.nbdClient("vg/lv");
        writer.fill(client);
        writer.start(client);
        LockSupport.parkNanos(Duration.ofMillis(300).toNanos());
        daemon.kill9();
        assertThat(writer.awaitStopped()).as("writes fail once the daemon is gone").isNotNull();
        client.close();

        daemon.startAgain();
        assertThat(health(daemon)).isEqualTo("copies may differ");
        assertThat(resyncedBytes(daemon)).as("nothing is copied without consistency").isZero();
        try (NbdClient again = daemon.nbdClient("vg/lv")) {
            writer.verifyAndSettle(again);
        }
        daemon.cliOk("resynclv", "-f", "vg/lv");
        assertThat(health(daemon)).isEmpty();
        assertLegsIdentical(daemon);
    }

    private static String health(FerryDaemon daemon) {
        return report(daemon, "lvs", "-o", "lv_health_status", "vg/lv").at("/report/0/lv/0/lv_health_status")
                .asText();
    }

    /** A daemon in {@code dir/run} with the in-sync mirrored LV {@code vg/lv} created with {@code options}. */
    private FerryDaemon mirrored(List<String> options) throws IOException {
        return mirrored(options, 3);
    }

    /** As above, the VG made of {@code pvCount} PVs. */
    private FerryDaemon mirrored(List<String> options, int pvCount) throws IOException {
        Path work = dir.resolve("run");
        Files.createDirectories(work);
        FerryDaemon daemon = daemons.own(FerryDaemon.start(work));
        List<String> pvs = new ArrayList<>();
        for (int i = 1; i <= pvCount; i++) {
            pvs.add(work.resolve("pv" + i).toString());
        }
        List<String> pvcreate = new ArrayList<>(List.of("pvcreate", "--size", "1100M"));
        pvcreate.addAll(pvs);
        daemon.cliOk(pvcreate.toArray(String[]::new));
        List<String> vgcreate = new ArrayList<>(List.of("vgcreate", "-s", "4M", "vg"));
        vgcreate.addAll(pvs);
        daemon.cliOk(vgcreate.toArray(String[]::new));
        List<String> lvcreate = new ArrayList<>(List.of("lvcreate", "-m1", "-n", "lv", "-L", "1G"));
        lvcreate.addAll(options);
        lvcreate.add("vg");
        daemon.cliOk(lvcreate.toArray(String[]::new));
        awaitInSync(daemon);
        return daemon;
    }

    /**
     * Writes with {@code writer} (filling its area first if it never wrote) while the daemon is killed ({@code kill})
     * or terminated, restarts it, checks the acknowledged blocks and the legs once in sync, and returns the resync
     * bytes the restarted daemon reports.
     */
    private static long stopWhileWriting(FerryDaemon daemon, AckedBlockWriter writer, boolean kill) throws Exception {
        NbdClient client = daemon.nbdClient("vg/lv");
        if (writer.acknowledged() == 0) {
            writer.fill(client);
        }
        long before = writer.acknowledged();
        writer.start(client);
        LockSupport.parkNanos(Duration.ofMillis(300).toNanos());
        Poll.until(SYNC, "writes acknowledged under way", () -> writer.acknowledged() > before);   // a cold, loaded JVM
        if (kill) {
            daemon.kill9();
            assertThat(writer.awaitStopped()).as("writes fail once the daemon is gone").isNotNull();
        } else {
            assertThat(writer.stop()).as("writes before the stop").isNull();
            assertThat(daemon.terminate()).as("exit status after SIGTERM").isZero();
        }
        assertThat(writer.acknowledged()).as("writes acknowledged while writing").isGreaterThan(before);
        client.close();

        daemon.startAgain();
        awaitInSync(daemon);
        try (NbdClient again = daemon.nbdClient("vg/lv")) {
            writer.verifyAndSettle(again);
        }
        assertLegsIdentical(daemon);
        return resyncedBytes(daemon);
    }

    private static void awaitInSync(FerryDaemon daemon) {
        Poll.until(SYNC, "Cpy%Sync 100 of vg/lv", () -> report(daemon, "lvs", "-o", "copy_percent", "vg/lv")
                .at("/report/0/lv/0/copy_percent").asText().startsWith("100"));
    }

    /** {@code ferry_mirror_resync_bytes_total} of {@code vg/lv} from {@code GET /metrics}. */
    private static long resyncedBytes(FerryDaemon daemon) throws IOException {
        String metrics = RawHttp.exchange(daemon.controlSocket(),
                "GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        Matcher m = RESYNC.matcher(metrics);
        assertThat(m.find()).as("ferry_mirror_resync_bytes_total of vg/lv in\n%s", metrics).isTrue();
        return (long) Double.parseDouble(m.group(1));
    }

    private static void assertLegsIdentical(FerryDaemon daemon) throws IOException {
        MirrorLegs.assertIdentical(daemon, "vg", "lv", 4 * MIB);
    }
}
