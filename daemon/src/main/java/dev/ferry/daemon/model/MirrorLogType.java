package dev.ferry.daemon.model;

import java.util.Locale;

/**
 * LVM's {@code --mirrorlog}: where a mirrored LV keeps its region log. {@link #DISK} is a hidden linear LV
 * {@code LV_mlog}; {@link #MIRRORED} is that LV itself a two-way mirror (core log) over its own hidden images
 * {@code LV_mlog_mimage_0} and {@code _1}, on PVs apart from each other and from the mirror's legs; {@link #CORE}
 * keeps no log on disk.
 */
public enum MirrorLogType {
    /** No persistent log: passive consistency. */
    CORE(MirrorWriteConsistency.PASSIVE, 0),
    /** A linear log LV. */
    DISK(MirrorWriteConsistency.ACTIVE, 1),
    /** A log LV mirrored over two legs. */
    MIRRORED(MirrorWriteConsistency.ACTIVE, 2);

    private final MirrorWriteConsistency consistency;
    private final int logCopies;

    MirrorLogType(MirrorWriteConsistency consistency, int logCopies) {
        this.consistency = consistency;
        this.logCopies = logCopies;
    }

    /** The write consistency this log gives. */
    public MirrorWriteConsistency consistency() {
        return consistency;
    }

    /** Copies of the log LV (0 for a core log). */
    public int logCopies() {
        return logCopies;
    }

    /** The option value ({@code core}, {@code disk}, {@code mirrored}). */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code --mirrorlog}'s value. */
    public static MirrorLogType parse(String text) {
        for (MirrorLogType t : values()) {
            if (t.cliName().equals(text)) {
                return t;
            }
        }
        throw new VolumeException(ErrorCode.INVALID_ARGUMENT, "Invalid mirror log type '" + text
                + "': use core, disk or mirrored");
    }

    /** The log type mirrored LV {@code lv} of {@code vg} has now (core for one without a log LV). */
    public static MirrorLogType of(VolumeGroup vg, LogicalVolume lv) {
        String log = lv.mirror().logLv();
        if (log == null) {
            return CORE;
        }
        return vg.requireLv(log).copies() > 1 ? MIRRORED : DISK;
    }
}
