package dev.ferry.daemon.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.daemon.testing.AckedBlockWriter;
import dev.ferry.daemon.testing.ChildProcesses;
import dev.ferry.daemon.testing.FerryDaemon;
import dev.ferry.daemon.testing.Poll;
import dev.ferry.nbd.client.NbdClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real daemon and an NBD client writing a mirrored LV while one leg's PV file is deleted: the writes keep being
 * acknowledged, the PV shows as missing, the LV as partial; {@code lvconvert --repair} onto a new PV and
 * {@code vgreduce --removemissing} restore full redundancy; every acknowledged block reads back, also after a
 * restart.
 */
class MirrorLostPvProcessTest {
    private static final long MIB = 1 << 20;
    private static final int BLOCK = 4096;
    private static final int BLOCKS = (int) (8 * MIB / BLOCK);
    private static final Duration WAIT = Duration.ofSeconds(60);

    @RegisterExtension
    final ChildProcesses<FerryDaemon> daemons = new ChildProcesses<>();

    @TempDir
    Path dir;

    @Test
    void aMirroredLvKeepsServingThroughADeletedPvAndIsRepairedOntoANewOne() throws Exception {
        FerryDaemon daemon = daemons.own(FerryDaemon.start(dir));
        String[] pvs = new String[4];
        for (int i = 0; i < pvs.length; i++) {
            pvs[i] = dir.resolve("pv" + (i + 1)).toString();
        }
        daemon.cliOk("pvcreate", "--size", "64M", pvs[0], pvs[1], pvs[2], pvs[3]);
        daemon.cliOk("vgcreate", "-s", "4M", "vg", pvs[0], pvs[1], pvs[2], pvs[3]);
        daemon.cliOk("lvcreate", "-m1", "-n", "lv", "-L", "32M", "vg", pvs[0], pvs[1], pvs[2]);
        Poll.until(WAIT, "in sync", () -> cli(daemon, "lvs", "--noheadings", "-o", "copy_percent", "vg/lv")
                .equals("100.00"));

        AckedBlockWriter writer = new AckedBlockWriter(7, BLOCK, BLOCKS, 8);
        NbdClient client = daemon.nbdClient("vg/lv");
        writer.fill(client);
        writer.start(client);
        LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
        Files.delete(Path.of(pvs[1]));
        Poll.until(WAIT, "the PV recorded missing", () -> cli(daemon, "pvs", "--noheadings", "-o", "pv_name,pv_attr")
                .contains("[unknown] a-m"));
        long atLoss = writer.acknowledged();
        Poll.until(WAIT, "writes acknowledged after the loss", () -> writer.acknowledged() > atLoss + 200);
        assertThat(writer.stop()).as("no write failed").isNull();
        writer.verifyAndSettle(client);
        assertThat(cli(daemon, "lvs", "--noheadings", "-o", "lv_attr,lv_health_status", "vg/lv"))
                .isEqualTo("mwi-aom-p- partial");

        daemon.cliOk("lvconvert", "--repair", "vg/lv", pvs[3]);
        Poll.until(WAIT, "repaired and in sync", () -> cli(daemon, "lvs", "--noheadings", "-o",
                "copy_percent,lv_stale_extents", "vg/lv").equals("100.00 0"));
        daemon.cliOk("vgreduce", "--removemissing", "vg");
        assertThat(daemon.cliOk("lvs", "-a", "--noheadings", "-o", "lv_name,devices", "vg").out())
                .contains(pvs[3]).doesNotContain(pvs[1]);
        assertThat(cli(daemon, "vgs", "--noheadings", "-o", "vg_attr,vg_missing_pv_count", "vg"))
                .isEqualTo("wz--n- 0");
        writer.verifyAndSettle(client);
        client.close();

        assertThat(daemon.stop()).isZero();
        daemon.startAgain();
        try (NbdClient again = daemon.nbdClient("vg/lv")) {
            writer.verifyAndSettle(again);
        }
        assertThat(daemon.stop()).isZero();
    }

    /** A report's output with its column padding collapsed to single spaces. */
    private static String cli(FerryDaemon daemon, String... args) {
        return daemon.cliOk(args).out().strip().replaceAll("\\s+", " ");
    }
}
