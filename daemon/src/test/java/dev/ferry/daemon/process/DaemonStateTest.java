package dev.ferry.daemon.process;

import static dev.ferry.daemon.process.DaemonState.NEW;
import static dev.ferry.daemon.process.DaemonState.RUNNING;
import static dev.ferry.daemon.process.DaemonState.STARTING;
import static dev.ferry.daemon.process.DaemonState.STOPPED;
import static dev.ferry.daemon.process.DaemonState.STOPPING;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.nbd.testing.TransitionTable;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The daemon's state machine: the edges of DaemonState's diagram pass, every other pair throws naming both. */
class DaemonStateTest {
    /** The edges drawn in DaemonState's javadoc. */
    private static final Map<DaemonState, Set<DaemonState>> DIAGRAM = Map.of(
        NEW, EnumSet.of(STARTING, STOPPED),
        STARTING, EnumSet.of(RUNNING, STOPPING),
        RUNNING, EnumSet.of(STOPPING),
        STOPPING, EnumSet.of(STOPPED),
        STOPPED, EnumSet.noneOf(DaemonState.class));

    @Test
    void transitionsAreTheDiagramAndIllegalOnesNameBothStates() {
        TransitionTable.assertMatches(DaemonState.values(), DIAGRAM, DaemonState::successors,
            DaemonState::checkTransition, (from, to) -> "daemon cannot move from " + from + " to " + to);
    }

    @Test
    void onlyStoppedIsTerminal() {
        for (DaemonState s : DaemonState.values()) {
            assertThat(s.successors().isEmpty()).as(s.name()).isEqualTo(s == STOPPED);
        }
    }
}
