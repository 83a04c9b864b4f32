package dev.ferry.daemon.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.daemon.testing.AckedBlockWriter;
import dev.ferry.daemon.testing.ChildProcesses;
import dev.ferry.daemon.testing.CliResult;
import dev.ferry.daemon.testing.FaultyDisk;
import dev.ferry.daemon.testing.FerryDaemon;
import dev.ferry.daemon.testing.Poll;
import dev.ferry.nbd.client.NbdClient;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real daemon with one PV on a disk that fails on demand (nbdkit's error filter behind nbdfuse, see
 * {@link FaultyDisk#withErrorFilter}; faults hit its label and metadata area too): a disk failing every request is
 * lost while a mirror on it keeps serving, and is repaired away; migratepp onto a disk failing writes ends
 * RESYNC_FAILED with the copy moved and stale.
 */
class FailingDiskProcessTest {
    private static final long MIB = 1 << 20;
    private static final int BLOCK = 4096;
    private static final int BLOCKS = (int) (16 * MIB / BLOCK);
    private static final Duration WAIT = Duration.ofSeconds(60);

    @RegisterExtension
    final ChildProcesses<FerryDaemon> daemons = new ChildProcesses<>();

    @TempDir
    Path dir;

    private FaultyDisk disk;
    private FerryDaemon daemon;
    private String a;
    private String bad;
    private String c;
    private String d;

    @BeforeEach
    void setUp() {
        FaultyDisk.assumeUsable();
        disk = FaultyDisk.withErrorFilter(dir, "bad", 64 * MIB);
        daemon = daemons.own(FerryDaemon.start(dir));
        a = dir.resolve("a").toString();
        bad = disk.file().toString();
        c = dir.resolve("c").toString();
        d = dir.resolve("d").toString();
        daemon.cliOk("pvcreate", "--size", "64m", a, c, d);
        daemon.cliOk("pvcreate", bad);
        daemon.cliOk("vgcreate", "-s", "4M", "vg", a, bad, c, d);
    }

    @AfterEach
    void tearDown() {
        if (daemon != null) {
            daemon.close(); // the daemon lets go of the PV file before it is unmounted
        }
        if (disk != null) {
            disk.close();
        }
    }

    @Test
    void aPvWhoseDiskFailsEveryRequestIsLostWhileTheMirrorOnItServesAndIsRepairedAway() throws Exception {
        daemon.cliOk("lvcreate", "-m1", "-n", "lv", "-L", "16M", "vg", a, bad, c);
        awaitInSync();
        AckedBlockWriter writer = new AckedBlockWriter(17, BLOCK, BLOCKS, 4);
        try (NbdClient client = daemon.nbdClient("vg/lv")) {
            writer.fill(client);
            writer.start(client);
            Poll.until(WAIT, "writes under way", () -> writer.acknowledged() > 100);
            disk.failWrites(true);
            disk.failReads(true);
            Poll.until(WAIT, "the failing PV recorded missing", () -> cli("pvs", "--noheadings", "-o",
                    "pv_name,pv_attr").contains("[unknown] a-m"));
            long atLoss = writer.acknowledged();
            Poll.until(WAIT, "writes acknowledged after the loss", () -> writer.acknowledged() > atLoss + 200);
            assertThat(writer.stop()).as("no write failed").isNull();
            writer.verifyAndSettle(client);
            assertThat(cli("lvs", "--noheadings", "-o", "lv_attr,lv_health_status", "vg/lv"))
                    .isEqualTo("mwi-aom-p- partial");

            daemon.cliOk("lvconvert", "--repair", "vg/lv", d);
            Poll.until(WAIT, "repaired and in sync", () -> cli("lvs", "--noheadings", "-o",
                    "copy_percent,lv_stale_extents", "vg/lv").equals("100.00 0"));
            daemon.cliOk("vgreduce", "--removemissing", "vg");
            assertThat(daemon.cliOk("lvs", "-a", "--noheadings", "-o", "lv_name,devices", "vg").out())
                    .contains(d).doesNotContain(bad);
            assertThat(cli("vgs", "--noheadings", "-o", "vg_attr,vg_missing_pv_count", "vg")).isEqualTo("wz--n- 0");
            writer.verifyAndSettle(client);
        }
        assertThat(daemon.stop()).isZero();
    }

    @Test
    void migrateppOntoADiskWhoseWritesFailMovesTheCopyStaleWithResyncFailed() throws Exception {
        daemon.cliOk("lvcreate", "-m1", "--mirrorlog", "core", "-n", "lv", "-L", "16M", "vg", a, c);
        awaitInSync();
        AckedBlockWriter writer = new AckedBlockWriter(19, BLOCK, BLOCKS, 4);
        try (NbdClient client = daemon.nbdClient("vg/lv")) {
            writer.fill(client);
            disk.failWrites(true);

            CliResult moved = daemon.cli("migratepp", "vg", a + ":1", bad + ":5").assertOk();
            assertThat(moved.out()).contains("(RESYNC_FAILED)");
            assertThat(moved.err()).contains("WARNING").contains("stale");
            assertThat(cli("lvs", "--noheadings", "-o", "lv_stale_extents", "vg/lv")).as("the new copy is stale")
                    .isEqualTo("1");
            assertThat(cli("lvs", "-a", "--noheadings", "-o", "lv_name,devices", "vg"))
                    .as("LE 1: its copy on c stays, the one from a:1 is on the failing disk's PE 5")
                    .endsWith("[lv_mimage_0] " + a + "(0)," + c + "(1)," + a + "(2) [lv_mimage_1] " + c + "(0),"
                            + bad + "(5)," + c + "(2)");
            writer.verifyAndSettle(client);
            // The commits of the move could not be written to the failing disk: it is lost, the others have them.
            Poll.until(WAIT, "the failing PV recorded missing", () -> cli("pvs", "--noheadings", "-o",
                    "pv_name,pv_attr").contains("[unknown] a-m"));

            daemon.cliOk("lvconvert", "--repair", "vg/lv", d);
            Poll.until(WAIT, "repaired and in sync", () -> cli("lvs", "--noheadings", "-o",
                    "copy_percent,lv_stale_extents", "vg/lv").equals("100.00 0"));
            daemon.cliOk("vgreduce", "--removemissing", "vg");
            writer.verifyAndSettle(client);
        }
        assertThat(daemon.stop()).isZero();
    }

    private void awaitInSync() {
        Poll.until(WAIT, "in sync", () -> cli("lvs", "--noheadings", "-o", "copy_percent", "vg/lv")
                .equals("100.00"));
    }

    /** A report's output with its column padding collapsed to single spaces. */
    private String cli(String... args) {
        return daemon.cliOk(args).out().strip().replaceAll("\\s+", " ");
    }
}
