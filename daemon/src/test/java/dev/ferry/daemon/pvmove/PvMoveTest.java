package dev.ferry.daemon.pvmove;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.daemon.testing.Poll;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** pvmove through the real VolumeService on real PV files, with a writer running through the move. */
class PvMoveTest extends PvMoveFixtureTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @BeforeEach
    void setUp() throws Exception {
        f = new PvMoveFixture(root);
    }

    @Test
    void nonAtomicMoveOfTwoLinearLvsUnderWritesEndsOnTheDestinationWithEveryByte() throws Exception {
        f.linear("a", "12M", f.pv1);
        f.linear("b", "8M", f.pv1);
        LvWorkload wa = new LvWorkload(() -> f.device("a"), 1).start();
        LvWorkload wb = new LvWorkload(() -> f.device("b"), 2).start();
        Poll.until(WAIT, "writes before the move", () -> wa.writes() > 20 && wb.writes() > 20);

        MoveProgress started = f.moves.start(PvMoveFixture.request(f.pv1, f.pv2));
        assertEquals("pvmove0", started.name());
        assertEquals(2, started.segments().size());
        assertEquals(Set.of("pvmove0"), f.placement("a"));
        assertEquals(JobState.COMPLETED, f.await(started));
        long after = wa.writes();
        Poll.until(WAIT, "writes after the move", () -> wa.writes() > after + 20);
        wa.stop();
        wb.stop();

        assertEquals(Set.of(f.pv2), f.placement("a"));
        assertEquals(Set.of(f.pv2), f.placement("b"));
        assertTrue(f.noMoveLeft());
        wa.verify("after the move");
        wb.verify("after the move");
        MoveProgress done = f.moves.moves().get(0);
        assertEquals(100.0, done.percent(), 0.001);
        assertEquals(java.util.List.of("a", "b"), done.lvs());

        f.close();
        f.open();
        wa.verify("after a restart");
        wb.verify("after a restart");
    }
}
