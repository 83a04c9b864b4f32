package dev.ferry.daemon.pvmove.process;

import static dev.ferry.daemon.pvmove.process.AckedRemoteHosts.LINK;
import static dev.ferry.daemon.pvmove.process.AckedRemoteHosts.LINK_WITHOUT_HEARTBEAT;
import static dev.ferry.daemon.pvmove.process.FioAndExt4UnderMove.TIMEOUT;
import static dev.ferry.daemon.pvmove.process.FioAndExt4UnderMove.holdAndContinueAtEachPoint;
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
        run(daemons, dir, LINK_WITHOUT_HEARTBEAT, Duration.ofSeconds(20), true, "flaps", (f, id) ->
                holdAndContinueAtEachPoint(f, id, "flap", "not answered within its deadline", cuts -> {
                    NetworkNamespaces net = f.hosts().net();
                    net.partitionBoth(f.hosts().a(), f.hosts().b(), NetworkNamespaces.Cut.DROP);
                    Poll.until(TIMEOUT, "the link to go reconnecting after cut " + cuts,
                            () -> f.logged("UP -> RECONNECTING") == cuts);
                    net.heal();
                    Poll.until(TIMEOUT, "the link to reconnect after cut " + cuts,
                            () -> f.logged("RECONNECTING -> UP") == cuts);
                }, () -> { }));
    }

    @Test
    void nothingIsLostThroughPartitionsThatFailTheLinkAtTenFiftyAndNinetyPercent() throws IOException {
        run(daemons, dir, LINK, Duration.ofSeconds(5), true, "lost links", (f, id) ->
                holdAndContinueAtEachPoint(f, id, "partition", "data stays on the source", cuts -> {
                    f.hosts().net().partitionBoth(f.hosts().a(), f.hosts().b(), NetworkNamespaces.Cut.DROP);
                    Poll.until(TIMEOUT, "the link to fail after cut " + cuts,
                            () -> f.logged("RECONNECTING -> FAILED") == cuts);
                }, () -> {
                    assertThat(f.daemon().cliOk("pvs", "--noheadings", "-o", "pv_name,pv_attr").out())
                            .as("the remote PV is missing").containsPattern(f.remotePattern() + "\\s+a-m");
                    f.hosts().net().heal();
                }));
    }
}
