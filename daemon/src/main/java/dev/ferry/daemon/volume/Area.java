package dev.ferry.daemon.volume;

import java.util.UUID;

/** Where one stripe or leg of a segment lies: a PV and its first PE. */
public record Area(UUID pv, long startPe) {
    /** Validates the fields. */
    public Area {
        if (pv == null || startPe < 0) {
            throw new IllegalArgumentException("bad area " + pv + ":" + startPe);
        }
    }
}
