package dev.ferry.daemon.pvmove;

import dev.ferry.daemon.model.Area;
import dev.ferry.daemon.model.LogicalVolume;
import dev.ferry.daemon.model.LvFlag;
import dev.ferry.daemon.model.LvLayout;
import dev.ferry.daemon.model.MoveState;
import dev.ferry.daemon.model.Segment;
import dev.ferry.daemon.model.SegmentType;
import dev.ferry.daemon.model.VolumeGroup;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.TreeSet;

/**
 * Ends a pvmove in the metadata: every LV area pointing into the pvmove LV is replaced by the PV area its data lives
 * on (the destination for segments kept as moved, else the source), segments are split where the pvmove segments
 * change and merged where contiguous again, the pvmove and log LVs are removed and LVs no longer moved unlocked.
 */
public final class PvMoveResolver {
    private PvMoveResolver() {
    }

    /**
     * The VG without move {@code pvmoveName}; COMPLETED segments stay on the destination if {@code keepCompleted},
     * everything else goes back to the source.
     */
    public static VolumeGroup detach(VolumeGroup vg, String pvmoveName, boolean keepCompleted) {
        LogicalVolume pvmove = vg.requireLv(pvmoveName);
        List<LogicalVolume> out = new ArrayList<>();
        for (LogicalVolume lv : vg.lvs()) {
            if (lv.name().equals(pvmoveName) || lv.name().equals(pvmove.move().logLv())) {
                continue;
            }
            boolean points = lv.segments().stream().anyMatch(s -> s.areas().stream()
                    .anyMatch(a -> pvmoveName.equals(a.lv())));
            if (!points) {
                out.add(lv);
                continue;
            }
            List<Segment> segs = new ArrayList<>();
            for (Segment s : lv.segments()) {
                for (Segment piece : split(s, pvmove, pvmoveName)) {
                    segs.add(piece.withAreas(piece.areas().stream().map(a -> pvmoveName.equals(a.lv())
                            ? resolve(pvmove, a.startPe(), keepCompleted).withStale(a.stale()) : a).toList()));
                }
            }
            boolean stillMoving = segs.stream().anyMatch(s -> s.areas().stream().anyMatch(Area::isLv));
            EnumSet<LvFlag> status = lv.status().isEmpty() ? EnumSet.noneOf(LvFlag.class)
                    : EnumSet.copyOf(lv.status());
            if (!stillMoving) {
                status.remove(LvFlag.LOCKED);
            }
            out.add(lv.withStatus(status).withSegments(LvLayout.merge(segs)));
        }
        return vg.withLvs(out);
    }

    /** The side of the pvmove segment holding LE {@code le}. */
    private static Area resolve(LogicalVolume pvmove, long le, boolean keepCompleted) {
        for (Segment p : pvmove.segments()) {
            if (le >= p.startLe() && le < p.endLe()) {
                boolean dst = keepCompleted && p.moveState() == MoveState.COMPLETED;
                return p.areas().get(dst ? 1 : 0).plus(le - p.startLe());
            }
        }
        throw new IllegalStateException("LE " + le + " is outside " + pvmove.name());
    }

    /** {@code s} cut where the pvmove segments its LV areas cover begin. */
    private static List<Segment> split(Segment s, LogicalVolume pvmove, String pvmoveName) {
        TreeSet<Long> cuts = new TreeSet<>();
        for (Area a : s.areas()) {
            if (!pvmoveName.equals(a.lv())) {
                continue;
            }
            for (Segment p : pvmove.segments()) {
                long off = p.startLe() - a.startPe();
                if (off > 0 && off < s.areaLength()) {
                    if (s.type() == SegmentType.STRIPED) {
                        throw new IllegalStateException("a stripe of " + pvmoveName + " spans several pieces");
                    }
                    cuts.add(off);
                }
            }
        }
        return s.cutAt(cuts);
    }
}
