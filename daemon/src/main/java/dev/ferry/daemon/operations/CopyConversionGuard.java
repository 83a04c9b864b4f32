package dev.ferry.daemon.operations;

import dev.ferry.daemon.model.ErrorCode;
import dev.ferry.daemon.model.VolumeException;

/**
 * Keeps conversions that change which copies a mirrored LV has (lvconvert -m, lvconvert --repair) and the mirror jobs
 * (resyncs, migratepp), whose records and progress name those copies, off each other: a conversion holds its LV for
 * its duration, and is refused while a job holds it.
 */
@FunctionalInterface
public interface CopyConversionGuard {
    /** No jobs to keep off (a volume service without mirror verbs). */
    CopyConversionGuard NONE = (vg, lv) -> () -> { };

    /** A hold on one LV, released by {@link #close}. */
    interface Hold extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Holds LV {@code vg/lv} for a conversion of its copies until the hold is closed.
     *
     * @throws VolumeException INRESYNC while a mirror job runs on the LV
     */
    Hold hold(String vg, String lv);

    /** The INRESYNC refusal of a conversion of LV {@code vg/lv}'s copies while {@code job} runs on it. */
    static VolumeException beingResynced(String vg, String lv, String job) {
        return new VolumeException(ErrorCode.INRESYNC, "Logical volume " + vg + "/" + lv + " is being resynchronised ("
                + job + "); change its copies once the job has ended (GET /v1/resyncs)");
    }
}
