package dev.ferry.daemon.mirror;

import static dev.ferry.daemon.mirror.ResyncState.FAILED;
import static dev.ferry.daemon.mirror.ResyncState.NOTSYNCED;
import static dev.ferry.daemon.mirror.ResyncState.RUNNING;
import static dev.ferry.daemon.mirror.ResyncState.SUCCEEDED;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ferry.nbd.testing.TransitionTable;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The resync job state machine: the edges of the diagram pass, every other pair throws naming both states. */
class ResyncStateTest {
    /** The edges drawn in ResyncState's javadoc, which are the transitions ResyncJob makes. */
    private static final Map<ResyncState, Set<ResyncState>> DIAGRAM = Map.of(
            RUNNING, EnumSet.of(SUCCEEDED, NOTSYNCED, FAILED),
            SUCCEEDED, EnumSet.noneOf(ResyncState.class),
            NOTSYNCED, EnumSet.noneOf(ResyncState.class),
            FAILED, EnumSet.noneOf(ResyncState.class));

    @Test
    void transitionsAreTheDiagramAndIllegalOnesNameBothStates() {
        TransitionTable.assertMatches(ResyncState.values(), DIAGRAM, ResyncState::successors,
                ResyncState::checkTransition, (from, to) -> "resync job cannot go from " + from + " to " + to);
    }

    @Test
    void onlyRunningIsNotFinal() {
        for (ResyncState s : ResyncState.values()) {
            assertEquals(s != RUNNING, s.terminal(), s.name());
        }
    }
}
