package dev.ferry.daemon.model;

/**
 * The persisted options of a mirrored LV: how it keeps its copies consistent across a crash ({@code consistency},
 * AIX's mirror write consistency), for {@link MirrorWriteConsistency#ACTIVE} the hidden LV holding its persistent
 * region log ({@code logLv}, LVM's {@code LV_mlog}), and the most bytes per second its resync copies
 * ({@code recoveryRate}, LVM's {@code --maxrecoveryrate}; 0: no limit), and the resync or migratepp under way on it
 * ({@code resync}, null when none).
 */
public record MirrorOptions(MirrorWriteConsistency consistency, String logLv, long recoveryRate,
                            MirrorResync resync) {
    /** Validates the fields: a log LV exactly when consistency is active, a rate of 0 or more. */
    public MirrorOptions {
        if (consistency == null || (consistency == MirrorWriteConsistency.ACTIVE) != (logLv != null)
                || recoveryRate < 0) {
            throw new IllegalArgumentException("bad mirror options " + consistency + " log " + logLv + " rate "
                    + recoveryRate);
        }
    }

    /** Options without a resync under way. */
    public MirrorOptions(MirrorWriteConsistency consistency, String logLv, long recoveryRate) {
        this(consistency, logLv, recoveryRate, null);
    }

    /** Options without a recovery rate limit. */
    public MirrorOptions(MirrorWriteConsistency consistency, String logLv) {
        this(consistency, logLv, 0);
    }

    /** The same options with resync copies limited to {@code bytesPerSecond} (0: no limit). */
    public MirrorOptions withRecoveryRate(long bytesPerSecond) {
        return new MirrorOptions(consistency, logLv, bytesPerSecond, resync);
    }

    /** The same options with {@code record} as the resync under way (null: none). */
    public MirrorOptions withResync(MirrorResync record) {
        return new MirrorOptions(consistency, logLv, recoveryRate, record);
    }

    /** The log LV's name for mirrored LV {@code lvName}, as LVM names it. */
    public static String logLvName(String lvName) {
        return lvName + "_mlog";
    }

    /** The name of leg {@code index}'s image of mirrored LV {@code lvName}, as LVM names it. */
    public static String imageName(String lvName, int index) {
        return lvName + "_mimage_" + index;
    }

    /** The same options for the LV renamed to {@code newLvName}. */
    public MirrorOptions renamedFor(String newLvName) {
        return logLv == null ? this : new MirrorOptions(consistency, logLvName(newLvName), recoveryRate, resync);
    }
}
