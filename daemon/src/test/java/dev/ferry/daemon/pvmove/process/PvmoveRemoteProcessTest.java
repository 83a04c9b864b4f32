package dev.ferry.daemon.pvmove.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.daemon.testing.AckedBlockWriter;
import dev.ferry.daemon.testing.ChildProcesses;
import dev.ferry.daemon.testing.FerryDaemon;
import dev.ferry.daemon.testing.LoggedProcess;
import dev.ferry.daemon.testing.NbdkitServer;
import dev.ferry.daemon.testing.Poll;
import dev.ferry.nbd.client.NbdClient;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * pvmove between a local PV and a remote one (an nbdkit file export on loopback) of an attached LV taking
 * acknowledged FUA writes the whole time: the LV moves to the remote PV, every acknowledged write reads back from
 * there, then it moves back, and every acknowledged write is still there; the remote file holds the LV's data while
 * the LV lives on it.
 */
class PvmoveRemoteProcessTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(180);
    private static final long MIB = 1 << 20;
    private static final long SEED = 0x14L;

    @RegisterExtension
    final ChildProcesses<LoggedProcess> children = new ChildProcesses<>();

    @TempDir
    Path dir;

    @Test
    void anAttachedLvMovesToARemotePvAndBackUnderAcknowledgedWrites() throws Exception {
        NbdkitServer.assumeInstalled();
        Path remoteFile = dir.resolve("remote.img");
        try (RandomAccessFile f = new RandomAccessFile(remoteFile.toFile(), "rw")) {
            f.setLength(96 * MIB);
        }
        NbdkitServer nbdkit = children.own(NbdkitServer.tcp(dir, "file", remoteFile.toString()));
        FerryDaemon daemon = children.own(FerryDaemon.start(dir));
        MoveApi api = new MoveApi(daemon);
        String local = dir.resolve("local.img").toString();
        String remote = nbdkit.uri("");
        daemon.cliOk("pvcreate", "--size", "96m", local);
        daemon.cliOk("pvcreate", remote);
        daemon.cliOk("vgcreate", "-s", "1M", "vg", local, remote);
        daemon.cliOk("lvcreate", "-n", "acked", "-L", "16M", "vg", local);

        AckedBlockWriter writer = new AckedBlockWriter(SEED, 4096, (int) (16 * MIB / 4096), 8);
        try (NbdClient c = daemon.nbdClient("vg/acked")) {
            writer.fill(c);
            for (String[] move : List.of(new String[] {local, remote}, new String[] {remote, local})) {
                writer.start(c);
                long before = writer.acknowledged();
                Poll.until(TIMEOUT, "writes before the move", () -> writer.acknowledged() > before + 100);
                api.start(move[0], List.of(move[1]), false, "8M");
                long ackedAtStart = writer.acknowledged();
                api.awaitIdle(TIMEOUT);
                assertThat(writer.acknowledged()).as("writes acknowledged during the move to %s", move[1])
                        .isGreaterThan(ackedAtStart);
                assertThat(writer.stop()).as("the first failed write").isNull();
                assertThat(api.devices("vg/acked")).containsExactly(move[1]);
                writer.verifyAndSettle(c);
                if (move[1].equals(remote)) {
                    assertThat(remoteHoldsData(remoteFile)).as("LV data on the remote export's file").isTrue();
                }
            }
        }
        assertThat(api.allLvNames()).doesNotContain("pvmove");
        assertThat(daemon.cliOk("pvs", "-o", "pv_name,pv_health", remote).out()).contains("connected");
        assertThat(daemon.stop()).isZero();
    }

    /** Whether the remote file holds non-zero bytes in its data area (past the 1 MiB label and metadata area). */
    private static boolean remoteHoldsData(Path file) throws Exception {
        byte[] area = new byte[(int) (16 * MIB)];
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            f.seek(MIB);
            f.readFully(area);
        }
        for (byte b : area) {
            if (b != 0) {
                return true;
            }
        }
        return false;
    }
}
