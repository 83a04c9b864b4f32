package dev.ferry.daemon.pvmove;

/** Hears of the moves a {@link PvMoveService} launches and of their ends (e.g. to add and drop meters). */
public interface MoveListener {

    /** Move {@code id} of pvmove LV {@code vg/lv} started (or resumed), or was running when the listener was added. */
    void started(long id, String vg, String lv);

    /**
     * Move {@code id}'s job ended in {@code state}: COMPLETED, ABORTED or FAILED, or a state that is not final when
     * the daemon stopped it (the move then resumes at the next start).
     */
    void ended(long id, String vg, String lv, JobState state);
}
