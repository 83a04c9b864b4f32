package dev.ferry.daemon.pvmove.process;

import static dev.ferry.daemon.pvmove.process.AckedRemoteHosts.LINK;
import static dev.ferry.daemon.pvmove.process.AckedRemoteHosts.LINK_WITHOUT_HEARTBEAT;
import static dev.ferry.daemon.pvmove.process.FioAndExt4UnderMove.POINTS;
import static dev.ferry.daemon.pvmove.process.FioAndExt4UnderMove.TIMEOUT;
import static dev.ferry.daemon.pvmove.process.FioAndExt4UnderMove.assertHeld;
import static dev.ferry.daemon.pvmove.process.FioAndExt4UnderMove.killAndRestartAtTenFiftyAndNinetyPercent;
import static dev.ferry.daemon.pvmove.process.FioAndExt4UnderMove.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.daemon.testing.NetworkNamespaces;
import dev.ferry.daemon.testing.Poll;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults of the link to a remote destination at 10, 50 and 90 % of the copy of one move, under fio verify, a mounted
 * ext4 file system and the writer of acknowledged blocks at once ({@link FioAndExt4UnderMove}). Every cell ends with
 * the move completed onto the remote PV, no write of fio or of the writer failed or waited past the request timeout
 * plus the reconnect window plus a second, every file read back by its SHA-256, e2fsck clean and every acknowledged
 * block read back.
 * <ul>
 *   <li>nbdkit killed and started again at once: the link reconnects, resends and replays, the move goes on.</li>
 *   <li>Silent flaps shorter than the reconnect window: each holds the move; a bare {@code pvmove -b} continues.</li>
 *   <li>Silent partitions longer than the window: the link fails, the move is held and the PV recorded missing; the
 *       partition heals, {@code vgextend --restoremissing} puts the PV back and {@code pvmove -b} continues.</li>
 * </ul>
 * Every move but the first is atomic, so each LV keeps its copy on the source until the end: a segment switched
 * earlier would live on the remote PV alone at a later fault, and its LV's I/O would rightly fail.
 */
class RemoteLinkFaultsUnderFioAndExt4ProcessTest {

    @RegisterExtension
    final TwoHosts daemons = new TwoHosts();

    @TempDir
    Path dir;

    @Test
    void nothingIsLostWhenTheServerIsKilledAndRestartedAtTenFiftyAndNinetyPercent() throws IOException {
        run(daemons, dir, LINK, Duration.ofSeconds(5), false, "kills", (f, id) -> {
            killAndRestartAtTenFiftyAndNinetyPercent(f, () -> { });
            return f.api().awaitEnd(id, TIMEOUT);
        });
    }

    @Test
    void nothingIsLostThroughFlapsShorterThanTheWindowAtTenFiftyAndNinetyPercent() throws IOException {
        run(daemons, dir, LINK_WITHOUT_HEARTBEAT, Duration.ofSeconds(20), true, "flaps", (f, id) -> {
            RemoteDestination hosts = f.hosts();
            for (int i = 0; i < POINTS.length; i++) {
                f.awaitCopied(POINTS[i]);
                hosts.net().partitionBoth(hosts.a(), hosts.b(), NetworkNamespaces.Cut.DROP);
                int flaps = i + 1;
                Poll.until(TIMEOUT, "the link to go reconnecting after cut " + flaps,
                        () -> f.logged("UP -> RECONNECTING") == flaps);
                hosts.net().heal();
                Poll.until(TIMEOUT, "the link to reconnect after cut " + flaps,
                        () -> f.logged("RECONNECTING -> UP") == flaps);
                assertHeld(f, id, "flap " + flaps, "not answered within its deadline");
                f.daemon().cliOk("pvmove", "-b");
            }
            return f.api().awaitEnd(id, TIMEOUT);
        });
    }

    @Test
    void nothingIsLostThroughPartitionsThatFailTheLinkAtTenFiftyAndNinetyPercent() throws IOException {
        run(daemons, dir, LINK, Duration.ofSeconds(5), true, "lost links", (f, id) -> {
            RemoteDestination hosts = f.hosts();
            for (int i = 0; i < POINTS.length; i++) {
                f.awaitCopied(POINTS[i]);
                hosts.net().partitionBoth(hosts.a(), hosts.b(), NetworkNamespaces.Cut.DROP);
                int cuts = i + 1;
                Poll.until(TIMEOUT, "the link to fail after cut " + cuts,
                        () -> f.logged("RECONNECTING -> FAILED") == cuts);
                assertHeld(f, id, "partition " + cuts, "data stays on the source");
                assertThat(f.daemon().cliOk("pvs", "--noheadings", "-o", "pv_name,pv_attr").out())
                        .as("the remote PV is missing").containsPattern(f.remotePattern() + "\\s+a-m");
                hosts.net().heal();
                hosts.restoreIfMissing();
                f.daemon().cliOk("pvmove", "-b");
            }
            return f.api().awaitEnd(id, TIMEOUT);
        });
    }
}
