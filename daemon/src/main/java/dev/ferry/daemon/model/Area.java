package dev.ferry.daemon.model;

import java.util.UUID;

/**
 * Where one stripe or leg of a segment lies: a PV and its first PE, or (for LVs being moved) another LV and its
 * first LE ({@code lv} set, {@code pv} null) — the moved piece then lives in that (pvmove) LV. A mirror leg's area
 * is {@code stale} when its copy may miss writes (AIX's stale physical partition): it is never read and a resync
 * copies a good leg onto it.
 */
public record Area(UUID pv, long startPe, String lv, boolean stale) {
    /** Validates the fields: exactly one of {@code pv} and {@code lv}. */
    public Area {
        if ((pv == null) == (lv == null) || startPe < 0) {
            throw new IllegalArgumentException("bad area " + (lv == null ? pv : lv) + ":" + startPe);
        }
    }

    /** A good (not stale) area on a PV, or inside LV {@code lv} when {@code pv} is null. */
    public Area(UUID pv, long startPe, String lv) {
        this(pv, startPe, lv, false);
    }

    /** A good area on a PV. */
    public Area(UUID pv, long startPe) {
        this(pv, startPe, null);
    }

    /** An area inside LV {@code lvName}, starting at its LE {@code startLe}. */
    public static Area inLv(String lvName, long startLe) {
        return new Area(null, startLe, lvName);
    }

    /** The same area, stale or good. */
    public Area withStale(boolean isStale) {
        return new Area(pv, startPe, lv, isStale);
    }

    /** The same place, good, somewhere else: the same area inside {@code lvName} at LE {@code startLe}. */
    public Area movedInto(String lvName, long startLe) {
        return new Area(null, startLe, lvName, stale);
    }

    /** True if this area points into another LV rather than a PV. */
    public boolean isLv() {
        return lv != null;
    }

    /** This area moved {@code delta} extents further. */
    public Area plus(long delta) {
        return new Area(pv, startPe + delta, lv, stale);
    }
}
