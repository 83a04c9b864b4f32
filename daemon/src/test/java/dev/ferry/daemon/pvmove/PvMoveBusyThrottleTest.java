package dev.ferry.daemon.pvmove;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.daemon.testing.Poll;
import dev.ferry.mapper.copy.Copier;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A move without a rate copies at most {@link PvMoveService#BUSY_RATE} while an LV of its VG serves foreground
 * writes, and at full speed once the VG has been idle for a second; the data stays byte-exact.
 */
class PvMoveBusyThrottleTest extends PvMoveFixtureTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void aDefaultMoveYieldsToForegroundIoAndRunsFreeWhenIdle() throws Exception {
        f = new PvMoveFixture(root);
        f.linear("a", "48M", f.pv1);
        f.linear("b", "4M", f.pv3);
        // foreground writes to another LV of the VG (not moved) count too: the copy competes for the same PVs
        LvWorkload other = new LvWorkload(() -> f.device("b"), 7).start();
        LvWorkload moved = new LvWorkload(() -> f.device("a"), 8);
        MoveProgress p = f.moves.start(PvMoveFixture.request(f.pv1, f.pv2));
        Copier copier = f.volumes.activator().copier();
        // started on a busy VG: capped from its first byte, so the 48 MiB copy takes about three seconds
        assertEquals(PvMoveService.BUSY_RATE, copier.rateLimit("vg-" + p.name()));
        other.stop();
        boolean[] freeWhileRunning = {false};
        Poll.until(WAIT, "full speed once idle", () -> {
            boolean running = !f.moves.job(p.name()).state().terminal();
            freeWhileRunning[0] = running && copier.rateLimit("vg-" + p.name()) == 0;
            return freeWhileRunning[0] || !running;
        });
        assertTrue(freeWhileRunning[0], "the move ended before its rate limit was lifted");
        assertEquals(JobState.COMPLETED, f.await(p));
        other.verify("after the move");
        moved.verify("after the move");
    }
}
