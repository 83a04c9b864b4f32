package dev.ferry.daemon.operations;

import dev.ferry.daemon.model.ErrorCode;
import dev.ferry.daemon.model.VolumeException;

/**
 * Keeps the mirror jobs (resyncs, migratepp), whose records and progress name an LV, its extents and the places of its
 * copies, and the operations that change those (lvconvert -m and --repair, lvrename, lvextend, lvreduce, lvresize,
 * lvremove, vgremove, vgreduce --removemissing, pvmove) off each other: such an operation holds its LVs for its
 * duration, and is refused with INRESYNC while a job holds one of them.
 */
@FunctionalInterface
public interface MirrorJobGuard {
    /** No jobs to keep off (a volume service without mirror verbs). */
    MirrorJobGuard NONE = (vg, lv, operation) -> () -> { };

    /** A hold on one LV, released by {@link #close}. */
    interface Hold extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Holds LV {@code vg/lv} for {@code operation} (the command's name, e.g. {@code lvrename}) until the hold is
     * closed.
     *
     * @throws VolumeException INRESYNC ({@link #refusal}) while a mirror job runs on the LV
     */
    Hold hold(String vg, String lv, String operation);

    /** The INRESYNC refusal of {@code operation} on LV {@code vg/lv} while {@code job} (what runs on it) runs. */
    static VolumeException refusal(String vg, String lv, String job, String operation) {
        return new VolumeException(ErrorCode.INRESYNC, "Logical volume " + vg + "/" + lv + " is being resynchronised ("
                + job + "); retry " + operation + " once the job has ended (GET /v1/resyncs)");
    }
}
