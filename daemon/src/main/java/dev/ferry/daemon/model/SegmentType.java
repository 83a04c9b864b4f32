package dev.ferry.daemon.model;

import java.util.Locale;

/** The mapping kind of a segment, named as in LVM's {@code segtype}. */
public enum SegmentType {
    /** One area. */
    LINEAR,
    /** Extents spread round-robin over 2+ areas in chunks of the stripe size. */
    STRIPED,
    /** 2-3 identical legs. */
    MIRROR,
    /** A piece of a pvmove LV: areas {@code [source, destination]} and a {@link MoveState}. */
    PVMOVE;

    /** The LVM name ({@code linear}, {@code striped}, {@code mirror}). */
    public String lvmName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses the LVM name. */
    public static SegmentType parse(String text) {
        for (SegmentType t : values()) {
            if (t.lvmName().equals(text)) {
                return t;
            }
        }
        throw new VolumeException(ErrorCode.INVALID_ARGUMENT,
                "Invalid segment type '" + text + "': use linear, striped or mirror");
    }
}
