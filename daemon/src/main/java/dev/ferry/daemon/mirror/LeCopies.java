package dev.ferry.daemon.mirror;

import dev.ferry.daemon.model.Area;
import dev.ferry.daemon.model.LogicalVolume;
import dev.ferry.daemon.model.MirrorLayout;
import dev.ferry.daemon.model.Segment;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/** The copies of one logical extent of a mirrored LV: reading them and changing them without touching the others. */
final class LeCopies {
    private LeCopies() {
    }

    /** The copies (areas, leg order) of LE {@code le} of {@code lv}, each starting at that LE's PE. */
    static List<Area> of(LogicalVolume lv, long le) {
        Segment s = segmentAt(lv, le);
        return s.areas().stream().map(a -> a.plus(le - s.startLe())).toList();
    }

    /** The index of the copy of LE {@code le} on PV {@code pv} at PE {@code pe}, or -1. */
    static int indexOf(List<Area> copies, UUID pv, long pe) {
        for (int i = 0; i < copies.size(); i++) {
            if (Objects.equals(copies.get(i).pv(), pv) && copies.get(i).startPe() == pe) {
                return i;
            }
        }
        return -1;
    }

    /** Whether every copy but {@code index} is stale (or there is no other). */
    static boolean onlyGood(List<Area> copies, int index) {
        for (int i = 0; i < copies.size(); i++) {
            if (i != index && !copies.get(i).stale()) {
                return false;
            }
        }
        return true;
    }

    /** {@code lv} with {@code copy} appended to LE {@code le}'s copies. */
    static LogicalVolume withAdded(LogicalVolume lv, long le, Area copy) {
        return MirrorLayout.withCopiesOf(lv, le, copies -> {
            List<Area> out = new ArrayList<>(copies);
            out.add(copy);
            return out;
        });
    }

    /** {@code lv} without the copy of LE {@code le} on {@code pv} at {@code pe}. */
    static LogicalVolume withRemoved(LogicalVolume lv, long le, UUID pv, long pe) {
        return MirrorLayout.withCopiesOf(lv, le, copies -> {
            List<Area> out = new ArrayList<>(copies);
            out.remove(indexOf(copies, pv, pe));
            return out;
        });
    }

    /** The segment holding LE {@code le}. */
    static Segment segmentAt(LogicalVolume lv, long le) {
        return lv.segments().stream().filter(s -> s.startLe() <= le && le < s.endLe()).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("LV " + lv.name() + " has no LE " + le));
    }
}
