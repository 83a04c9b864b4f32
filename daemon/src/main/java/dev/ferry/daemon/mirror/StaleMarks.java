package dev.ferry.daemon.mirror;

import dev.ferry.daemon.model.Area;
import dev.ferry.daemon.model.LogicalVolume;
import dev.ferry.daemon.model.LvFlag;
import dev.ferry.daemon.model.MirrorLayout;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/** The stale marks the resync verbs read and set on chosen logical extents of a mirrored LV. */
final class StaleMarks {
    private StaleMarks() {
    }

    /** A copy of LE {@code le} on leg {@code leg}, on PV {@code pv}. */
    record Copy(long le, int leg, UUID pv) {
    }

    /** The stale copies of {@code les} in {@code lv}. */
    static List<Copy> staleCopies(LogicalVolume lv, List<Long> les) {
        List<Copy> out = new ArrayList<>();
        for (long le : les) {
            List<Area> copies = LeCopies.of(lv, le);
            for (int leg = 0; leg < copies.size(); leg++) {
                if (copies.get(leg).stale()) {
                    out.add(new Copy(le, leg, copies.get(leg).pv()));
                }
            }
        }
        return out;
    }

    /** {@code lv} with every copy of {@code les} but the first good one stale (a forced resync); LEs without one stay. */
    static LogicalVolume allButFirstGood(LogicalVolume lv, List<Long> les) {
        LogicalVolume out = lv;
        for (long le : les) {
            List<Area> copies = LeCopies.of(lv, le);
            int good = firstGood(copies);
            for (int leg = 0; good >= 0 && leg < copies.size(); leg++) {
                if (leg != good) {
                    out = MirrorLayout.withStale(out, leg, le, le + 1, true);
                }
            }
        }
        return out;
    }

    /** {@code lv} with the copies of {@code resynced} that are not in {@code left} marked good. */
    static LogicalVolume good(LogicalVolume lv, List<Copy> resynced, List<Copy> left) {
        LogicalVolume out = lv;
        for (Copy c : resynced) {
            if (!left.contains(c)) {
                out = MirrorLayout.withStale(out, c.leg(), c.le(), c.le() + 1, false);
            }
        }
        return out;
    }

    private static int firstGood(List<Area> copies) {
        for (int i = 0; i < copies.size(); i++) {
            if (!copies.get(i).stale()) {
                return i;
            }
        }
        return -1;
    }

    /** {@code lv} without status flag {@code flag}. */
    static LogicalVolume withoutFlag(LogicalVolume lv, LvFlag flag) {
        Set<LvFlag> status = lv.status().isEmpty() ? EnumSet.noneOf(LvFlag.class) : EnumSet.copyOf(lv.status());
        status.remove(flag);
        return lv.withStatus(status);
    }
}
