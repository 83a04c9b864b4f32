package dev.ferry.daemon.pvmove.process;

import static dev.ferry.daemon.pvmove.process.AckedRemoteHosts.LINK;
import static dev.ferry.daemon.pvmove.process.FioAndExt4UnderMove.holdAndContinueAtEachPoint;
import static dev.ferry.daemon.pvmove.process.FioAndExt4UnderMove.run;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults of a remote destination's server at 10, 50 and 90 % of the copy of one {@code --atomic} move, under fio
 * verify, a mounted ext4 file system and the writer of acknowledged blocks at once ({@link FioAndExt4UnderMove}), with
 * the outcome of {@link RemoteLinkFaultsUnderFioAndExt4ProcessTest}'s cells.
 * <ul>
 *   <li>Every write failing (nbdkit's error filter): held; the errors stop, the PV is put back if a write of the
 *       hold's metadata to it failed, and {@code pvmove -b} continues.</li>
 *   <li>A server that answers writes past the request timeout (nbdkit restarted at once under its delay filter,
 *       {@value #LATE_WRITE_MS} ms per write): held; the server is restarted without the delay, the PV put back if it
 *       was lost, and {@code pvmove -b} continues.</li>
 * </ul>
 */
class RemoteServerFaultsUnderFioAndExt4ProcessTest {

    /** How late the slow server answers each write: past the link's request timeout of 2 s. */
    private static final long LATE_WRITE_MS = 3000;

    @RegisterExtension
    final TwoHosts daemons = new TwoHosts();

    @TempDir
    Path dir;

    @Test
    void nothingIsLostWhenEveryWriteFailsAtTenFiftyAndNinetyPercent() throws IOException {
        run(daemons, dir, LINK, Duration.ofSeconds(5), true, "failing writes", (f, id) ->
                holdAndContinueAtEachPoint(f, id, "errors", "data stays on the source",
                        n -> f.hosts().inject(RemoteDestination.Fault.ERRORS),
                        () -> f.hosts().repair(RemoteDestination.Fault.ERRORS)));
    }

    @Test
    void nothingIsLostWhenTheServerAnswersWritesPastTheDeadlineAtTenFiftyAndNinetyPercent() throws IOException {
        run(daemons, dir, LINK, Duration.ofSeconds(5), true, "late writes", (f, id) ->
                holdAndContinueAtEachPoint(f, id, "late writes", "data stays on the source",
                        n -> f.hosts().serve(Duration.ofMillis(LATE_WRITE_MS), 1),
                        () -> f.hosts().serve(Duration.ZERO, 1)));
    }
}
