package dev.ferry.daemon.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.daemon.testing.AckedBlockWriter;
import dev.ferry.daemon.testing.ChildProcesses;
import dev.ferry.daemon.testing.FerryDaemon;
import dev.ferry.daemon.testing.FioVerifier;
import dev.ferry.daemon.testing.Poll;
import dev.ferry.nbd.client.NbdClient;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The process-level fixtures against a real {@code ferry daemon}: CLI commands create volumes, an acknowledged-write
 * tracker and fio write LVs over NBD, a kill -9 and a restart lose no acknowledged write, a graceful stop exits 0.
 */
class FerryDaemonFixtureInteropTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final long SEED = 20260415L;

    @RegisterExtension
    final ChildProcesses<FerryDaemon> daemons = new ChildProcesses<>();

    @TempDir
    Path dir;

    @Test
    void acknowledgedWritesSurviveAKillNineFioVerifiesAndTheDaemonStopsCleanly() {
        FerryDaemon daemon = daemons.own(FerryDaemon.start(dir));
        String pv1 = dir.resolve("pv1").toString();
        String pv2 = dir.resolve("pv2").toString();
        daemon.cliOk("pvcreate", "--size", "48m", pv1, pv2);
        daemon.cliOk("vgcreate", "-s", "1M", "vg", pv1, pv2);
        daemon.cliOk("lvcreate", "-n", "acked", "-L", "8M", "vg", pv1);
        daemon.cliOk("lvcreate", "-n", "fio", "-L", "8M", "vg", pv2);
        assertThat(daemon.cliOk("lvs", "-o", "lv_name,lv_size", "--units", "m").out())
                .contains("acked").contains("fio");

        AckedBlockWriter writer = new AckedBlockWriter(SEED, 4096, 2048, 8);
        try (NbdClient c = daemon.nbdClient("vg/acked")) {
            writer.fill(c);
            writer.start(c);
            Poll.until(TIMEOUT, "200 acknowledged writes", () -> writer.acknowledged() >= 200);
            daemon.kill9();
            assertThat(writer.awaitStopped()).as("writes fail once the daemon is gone").isNotNull();
        }
        daemon.startAgain();

        FioVerifier fio = FioVerifier.start(dir, daemon.nbdUri("vg/fio"), 8L << 20, SEED);
        try (NbdClient c = daemon.nbdClient("vg/acked")) {
            writer.verifyAndSettle(c);
            long before = writer.acknowledged();
            writer.start(c);
            Poll.until(TIMEOUT, "200 more acknowledged writes", () -> writer.acknowledged() >= before + 200);
            assertThat(writer.stop()).isNull();
            writer.verifyAndSettle(c);
            fio.stopAndCheck();
        } finally {
            fio.kill();
        }
        assertThat(daemon.stop()).as("exit status of a graceful stop").isZero();
    }
}
