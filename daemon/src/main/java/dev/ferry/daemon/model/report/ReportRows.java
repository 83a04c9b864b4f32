package dev.ferry.daemon.model.report;

import dev.ferry.daemon.model.Area;
import dev.ferry.daemon.model.FreeSpaceMap;
import dev.ferry.daemon.model.LogicalVolume;
import dev.ferry.daemon.model.LvFlag;
import dev.ferry.daemon.model.LvRuntime;
import dev.ferry.daemon.model.MoveState;
import dev.ferry.daemon.model.PhysicalVolume;
import dev.ferry.daemon.model.PvInfo;
import dev.ferry.daemon.model.Segment;
import dev.ferry.daemon.model.SegmentType;
import dev.ferry.daemon.model.VolumeGroup;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/** The row types of the three reports and the derived values (attr strings, devices) LVM shows for them. */
final class ReportRows {
    private ReportRows() {
    }

    /** A pvs row: the PV, and its VG with free space if it is a member. */
    record PvRow(PvInfo pv, VolumeGroup vg, FreeSpaceMap free) {
        long peCount() {
            return vg == null ? 0 : vg.pv(pv.uuid()).orElseThrow().peCount();
        }

        long size() {
            return vg == null ? pv.deviceSize() : peCount() * vg.extentSize();
        }

        long freeBytes() {
            return vg == null ? size() : free.freeExtents(pv.uuid()) * vg.extentSize();
        }

        String attr() {
            return (vg == null ? "-" : "a") + "-" + (pv.missing() ? "m" : "-");
        }
    }

    /** A vgs row. */
    record VgRow(VolumeGroup vg, FreeSpaceMap free, Set<UUID> present) {
        String attr() {
            boolean partial = vg.pvs().stream().anyMatch(pv -> !present.contains(pv.uuid()));
            return "wz" + "-" + (partial ? "p" : "-") + vg.alloc().attrChar() + "-";
        }

        long visibleLvs() {
            return vg.lvs().stream().filter(lv -> !lv.hidden()).count();
        }
    }

    /** An lvs row; {@code segment} is set in --segments mode. */
    record LvRow(VolumeGroup vg, LogicalVolume lv, Segment segment, LvRuntime runtime) {
        String displayName() {
            return lv.hidden() ? "[" + lv.name() + "]" : lv.name();
        }

        boolean mirrored() {
            return lv.segments().stream().anyMatch(s -> s.type() == SegmentType.MIRROR);
        }

        String attr() {
            char type = lv.has(LvFlag.PVMOVE) ? 'p' : mirrored() ? 'm' : '-';
            char perm = lv.has(LvFlag.WRITE) ? 'w' : 'r';
            char alloc = lv.alloc().attrChar();
            if (lv.has(LvFlag.LOCKED)) {
                alloc = Character.toUpperCase(alloc);
            }
            char state = runtime.isActive(vg.name(), lv.name()) ? 'a' : '-';
            char open = runtime.isOpen(vg.name(), lv.name()) ? 'o' : '-';
            char target = mirrored() ? 'm' : '-';
            return "" + type + perm + alloc + '-' + state + open + target + "---";
        }

        String copyPercent() {
            if (!mirrored() && !lv.has(LvFlag.PVMOVE)) {
                return "";
            }
            var pct = runtime.copyPercent(vg.name(), lv.name());
            if (lv.has(LvFlag.PVMOVE)) {
                return String.format(java.util.Locale.ROOT, "%.2f", pvmovePercent(pct.orElse(0)));
            }
            return pct.isPresent() ? String.format(java.util.Locale.ROOT, "%.2f", pct.getAsDouble()) : "";
        }

        /** LVM's pvmove percent: completed segments whole, running ones by their mirrors' sync, the rest none. */
        private double pvmovePercent(double runningPercent) {
            double done = 0;
            for (Segment s : lv.segments()) {
                if (s.moveState() == MoveState.COMPLETED) {
                    done += s.extentCount();
                } else if (s.moveState() == MoveState.RUNNING) {
                    done += s.extentCount() * runningPercent / 100;
                }
            }
            return lv.extentCount() == 0 ? 0 : 100 * done / lv.extentCount();
        }

        /** The source PV of the move this LV is (or takes part in), as LVM's {@code move_pv}. */
        String movePv() {
            LogicalVolume mover = lv.move() != null ? lv : lv.segments().stream().flatMap(s -> s.areas().stream())
                    .filter(Area::isLv).findFirst().flatMap(a -> vg.lv(a.lv())).filter(l -> l.move() != null)
                    .orElse(null);
            if (mover == null) {
                return "";
            }
            return vg.pv(mover.move().source()).map(PhysicalVolume::name).orElse("");
        }

        List<Segment> segments() {
            return segment == null ? lv.segments() : List.of(segment);
        }

        String devices() {
            return segments().stream().flatMap(s -> s.areas().stream())
                    .map(a -> (a.isLv() ? a.lv() : vg.pv(a.pv()).map(pv -> pv.name()).orElse(a.pv().toString()))
                            + "(" + a.startPe() + ")")
                    .collect(Collectors.joining(","));
        }

        String segtype() {
            return segments().stream().map(s -> s.type().lvmName()).distinct().collect(Collectors.joining(","));
        }

        long stripes() {
            return segments().get(0).areas().size();
        }

        long stripeSize() {
            return segments().get(0).stripeSize();
        }

        long regionSize() {
            return segments().get(0).regionSize();
        }

        long sizeBytes() {
            long extents = segment == null ? lv.extentCount() : segment.extentCount();
            return extents * vg.extentSize();
        }
    }
}
