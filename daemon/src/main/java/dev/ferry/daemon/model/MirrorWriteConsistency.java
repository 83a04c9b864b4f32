package dev.ferry.daemon.model;

import java.util.Locale;

/**
 * How a mirrored LV keeps its copies consistent across a crash (AIX's mirror write consistency, {@code --mwc}).
 * <ul>
 *   <li>{@link #ACTIVE}: a persistent region log (LVM's disk log) marks each region dirty before its first write;
 *       after a crash only dirty regions are copied again.</li>
 *   <li>{@link #PASSIVE}: no log; the LV is marked dirty in the metadata while active, and after an unclean stop
 *       the whole LV is copied again (Ferry's {@code --mirrorlog core}).</li>
 *   <li>{@link #OFF}: nothing; after an unclean stop the copies may differ until {@code resynclv -f}.</li>
 * </ul>
 */
public enum MirrorWriteConsistency {
    /** A persistent region log. */
    ACTIVE,
    /** Whole-LV resync after an unclean stop. */
    PASSIVE,
    /** No crash consistency. */
    OFF;

    /** The option value ({@code active}, {@code passive}, {@code off}). */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code --mwc}'s value. */
    public static MirrorWriteConsistency parse(String text) {
        for (MirrorWriteConsistency m : values()) {
            if (m.cliName().equals(text)) {
                return m;
            }
        }
        throw new VolumeException(ErrorCode.INVALID_ARGUMENT, "Invalid mirror write consistency '" + text
                + "': use active, passive or off");
    }
}
