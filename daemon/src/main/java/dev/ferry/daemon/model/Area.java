package dev.ferry.daemon.model;

import java.util.UUID;

/**
 * Where one stripe or leg of a segment lies: a PV and its first PE, or (for LVs being moved) another LV and its
 * first LE ({@code lv} set, {@code pv} null) — the moved piece then lives in that (pvmove) LV.
 */
public record Area(UUID pv, long startPe, String lv) {
    /** Validates the fields: exactly one of {@code pv} and {@code lv}. */
    public Area {
        if ((pv == null) == (lv == null) || startPe < 0) {
            throw new IllegalArgumentException("bad area " + (lv == null ? pv : lv) + ":" + startPe);
        }
    }

    /** An area on a PV. */
    public Area(UUID pv, long startPe) {
        this(pv, startPe, null);
    }

    /** An area inside LV {@code lvName}, starting at its LE {@code startLe}. */
    public static Area inLv(String lvName, long startLe) {
        return new Area(null, startLe, lvName);
    }

    /** True if this area points into another LV rather than a PV. */
    public boolean isLv() {
        return lv != null;
    }

    /** This area moved {@code delta} extents further. */
    public Area plus(long delta) {
        return new Area(pv, startPe + delta, lv);
    }
}
