package dev.ferry.daemon.pvmove;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The job state machine: documented transitions pass, others throw naming both states. */
class JobStateTest {
    @Test
    void documentedPathsAreAllowed() {
        assertEquals(JobState.COMPLETED, JobState.PLANNED.to(JobState.RUNNING).to(JobState.COMPLETING)
                .to(JobState.COMPLETED));
        assertEquals(JobState.ABORTED, JobState.RUNNING.to(JobState.ABORTING).to(JobState.ABORTED));
        assertEquals(JobState.FAILED, JobState.COMPLETING.to(JobState.FAILED));
        assertTrue(JobState.FAILED.isFinal());
    }

    @Test
    void illegalTransitionsNameBothStates() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> JobState.COMPLETED.to(JobState.RUNNING));
        assertTrue(e.getMessage().contains("COMPLETED") && e.getMessage().contains("RUNNING"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> JobState.COMPLETING.to(JobState.ABORTING));
        assertThrows(IllegalStateException.class, () -> JobState.PLANNED.to(JobState.COMPLETED));
    }
}
