package dev.ferry.daemon.pvmove;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.mapper.copy.Copier;
import org.junit.jupiter.api.Test;

/**
 * Concurrent moves are limited each on its own (per-move copier throttle groups): an unlimited move finishes while
 * a slow one keeps to its rate, and a rate change applies to its move only; a move that ended reports the limit it
 * ran under.
 */
class PvMovePerMoveRateTest extends PvMoveFixtureTest {
    private static final long MIB = PvMoveFixture.MIB;

    @Test
    void eachMoveKeepsItsOwnRate() throws Exception {
        f = new PvMoveFixture(root);
        f.linear("a", "16M", f.pv1);
        f.linear("b", "16M", f.pv3);
        LvWorkload wa = new LvWorkload(() -> f.device("a"), 21);
        LvWorkload wb = new LvWorkload(() -> f.device("b"), 22);
        MoveProgress slow = f.moves.start(PvMoveFixture.request(false, 2 * MIB, f.pv1, f.pv2));
        MoveProgress fast = f.moves.start(PvMoveFixture.request(f.pv3, f.pv2));
        Copier copier = f.volumes.activator().copier();
        assertEquals(2 * MIB, copier.rateLimit("vg-" + slow.name()));
        assertEquals(0, copier.rateLimit(), "no copier-wide limit");

        assertEquals(JobState.COMPLETED, f.await(fast));
        MoveProgress now = f.moves.moves().stream().filter(m -> m.id() == slow.id()).findFirst().orElseThrow();
        assertEquals(JobState.RUNNING, now.state(), "the 2 MiB/s move of 16 MiB is still copying");
        // within its rate: 2 MiB/s since it started, plus one burst (a chunk or 100 ms) and the regions in flight
        assertTrue(now.copiedBytes() <= 2 * MIB * now.elapsedSeconds() + 9 * MIB,
                "copied " + now.copiedBytes() + " bytes in " + now.elapsedSeconds() + " s");

        f.moves.setRate(f.pv1, 0);
        assertEquals(0, copier.rateLimit("vg-" + slow.name()));
        assertEquals(JobState.COMPLETED, f.await(slow));
        wa.verify("after its move");
        wb.verify("after its move");
        assertTrue(f.noMoveLeft());
    }

    @Test
    void anEndedMoveStillReportsTheLimitItRanUnder() throws Exception {
        f = new PvMoveFixture(root);
        f.linear("a", "4M", f.pv1);
        MoveProgress move = f.moves.start(PvMoveFixture.request(false, 64 * MIB, f.pv1, f.pv2));
        assertEquals(64 * MIB, f.moves.status(move.id()).orElseThrow().rateLimit());
        assertEquals(JobState.COMPLETED, f.await(move));
        // its meters are read until the move's end reaches the listeners, after the commit that removed its LV
        assertEquals(64 * MIB, f.moves.status(move.id()).orElseThrow().rateLimit());
    }
}
