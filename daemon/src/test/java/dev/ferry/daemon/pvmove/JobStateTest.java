package dev.ferry.daemon.pvmove;

import static dev.ferry.daemon.pvmove.JobState.ABORTED;
import static dev.ferry.daemon.pvmove.JobState.ABORTING;
import static dev.ferry.daemon.pvmove.JobState.COMPLETED;
import static dev.ferry.daemon.pvmove.JobState.COMPLETING;
import static dev.ferry.daemon.pvmove.JobState.FAILED;
import static dev.ferry.daemon.pvmove.JobState.HELD;
import static dev.ferry.daemon.pvmove.JobState.PLANNED;
import static dev.ferry.daemon.pvmove.JobState.RUNNING;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ferry.nbd.testing.TransitionTable;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The job state machine: the edges of the diagram pass, every other pair throws naming both states. */
class JobStateTest {
    /** The edges drawn in JobState's javadoc, which are the transitions PvMoveJob makes. */
    private static final Map<JobState, Set<JobState>> DIAGRAM = Map.of(
            PLANNED, EnumSet.of(RUNNING),
            RUNNING, EnumSet.of(COMPLETING, ABORTING, FAILED, HELD),
            HELD, EnumSet.of(RUNNING, ABORTING, FAILED),
            COMPLETING, EnumSet.of(COMPLETED, FAILED),
            ABORTING, EnumSet.of(ABORTED, FAILED),
            COMPLETED, EnumSet.noneOf(JobState.class),
            ABORTED, EnumSet.noneOf(JobState.class),
            FAILED, EnumSet.noneOf(JobState.class));

    @Test
    void transitionsAreTheDiagramAndIllegalOnesNameBothStates() {
        TransitionTable.assertMatches(JobState.values(), DIAGRAM, JobState::successors, JobState::checkTransition,
                (from, to) -> "pvmove job cannot go from " + from + " to " + to);
    }

    @Test
    void failureIsReachableFromEveryStateTheJobRunsIn() {
        for (JobState s : EnumSet.of(RUNNING, HELD, COMPLETING, ABORTING)) {
            s.checkTransition(FAILED);
        }
    }

    @Test
    void finalStatesHaveNoSuccessors() {
        for (JobState s : JobState.values()) {
            boolean terminal = s == COMPLETED || s == ABORTED || s == FAILED;
            assertEquals(terminal, s.terminal(), s.name());
            assertEquals(terminal, s.successors().isEmpty(), s.name());
        }
    }
}
