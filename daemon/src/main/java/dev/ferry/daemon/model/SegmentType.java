package dev.ferry.daemon.model;

import java.util.Locale;

/** The mapping kind of a segment, named as in LVM's {@code segtype}. */
public enum SegmentType {
    /** One area. */
    LINEAR,
    /** Extents spread round-robin over 2+ areas in chunks of the stripe size. */
    STRIPED,
    /** 1-3 identical legs (copies) of a mirrored LV. */
    MIRROR,
    /** A piece of a pvmove LV: areas {@code [source, destination]} and a {@link MoveState}. */
    PVMOVE;

    /** The LVM name ({@code linear}, {@code striped}, {@code mirror}). */
    public String lvmName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses the LVM name. */
    public static SegmentType parse(String text) {
        if ("raid1".equals(text)) {
            throw new VolumeException(ErrorCode.INVALID_ARGUMENT, "Type raid1 is not supported: Ferry's -m builds "
                    + "LVM's mirror type (--type mirror), with legs LV_mimage_N and a region log LV_mlog");
        }
        for (SegmentType t : values()) {
            if (t.lvmName().equals(text)) {
                return t;
            }
        }
        throw new VolumeException(ErrorCode.INVALID_ARGUMENT,
                "Invalid segment type '" + text + "': use linear, striped or mirror");
    }
}
