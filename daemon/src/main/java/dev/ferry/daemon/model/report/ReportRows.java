package dev.ferry.daemon.model.report;

import dev.ferry.daemon.model.Area;
import dev.ferry.daemon.model.FreeSpaceMap;
import dev.ferry.daemon.model.LogicalVolume;
import dev.ferry.daemon.model.LvFlag;
import dev.ferry.daemon.model.LvRuntime;
import dev.ferry.daemon.model.MirrorLayout;
import dev.ferry.daemon.model.MirrorOptions;
import dev.ferry.daemon.model.MoveState;
import dev.ferry.daemon.model.PhysicalVolume;
import dev.ferry.daemon.model.PvInfo;
import dev.ferry.daemon.model.Segment;
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

        /** Stale mirror copies (extents) on this PV. */
        long staleExtents() {
            if (vg == null) {
                return 0;
            }
            long n = 0;
            for (LogicalVolume lv : vg.lvs()) {
                for (Segment s : lv.segments()) {
                    n += s.areas().stream().filter(a -> a.stale() && pv.uuid().equals(a.pv())).count()
                            * s.extentCount();
                }
            }
            return n;
        }
    }

    /** A vgs row. */
    record VgRow(VolumeGroup vg, FreeSpaceMap free, Set<UUID> present) {
        String attr() {
            boolean partial = missingPvs() > 0;
            return "wz" + "-" + (partial ? "p" : "-") + vg.alloc().attrChar() + "-";
        }

        long missingPvs() {
            return vg.pvs().stream().filter(pv -> pv.missing() || !present.contains(pv.uuid())).count();
        }

        long visibleLvs() {
            return vg.lvs().stream().filter(lv -> !lv.hidden()).count();
        }
    }

    /**
     * An lvs row; {@code segment} is set in --segments mode; {@code leg} is -1, or the leg whose image
     * ({@code [LV_mimage_N]}, LVM's hidden sub-LV) this row shows for mirrored LV {@code lv}.
     */
    record LvRow(VolumeGroup vg, LogicalVolume lv, Segment segment, LvRuntime runtime, int leg) {
        /** A row of a real LV. */
        LvRow(VolumeGroup vg, LogicalVolume lv, Segment segment, LvRuntime runtime) {
            this(vg, lv, segment, runtime, -1);
        }

        String name() {
            return leg < 0 ? lv.name() : MirrorOptions.imageName(lv.name(), leg);
        }

        String displayName() {
            return lv.hidden() || leg >= 0 ? "[" + name() + "]" : name();
        }

        /** A mirror with two or more legs (shown as LVM's mirror type, with image sub-LVs). */
        boolean mirrored() {
            return leg < 0 && lv.mirrored() && lv.copies() > 1;
        }

        String attr() {
            char type = lv.has(LvFlag.PVMOVE) ? 'p' : leg >= 0 ? 'i' : mirrored() ? lv.has(LvFlag.NOTSYNCED) ? 'M' : 'm'
                    : lv.has(LvFlag.MIRROR_LOG) ? 'l' : '-';
            char perm = lv.has(LvFlag.WRITE) ? 'w' : 'r';
            char alloc = lv.alloc().attrChar();
            if (lv.has(LvFlag.LOCKED)) {
                alloc = Character.toUpperCase(alloc);
            }
            boolean sub = leg >= 0 || lv.has(LvFlag.MIRROR_LOG);
            char state = runtime.isActive(vg.name(), lv.name()) ? 'a' : '-';
            char open = sub && state == 'a' || runtime.isOpen(vg.name(), lv.name()) ? 'o' : '-';
            char target = mirrored() || sub ? 'm' : '-';
            char health = switch (healthStatus()) {
                case "partial" -> 'p';
                case "refresh needed" -> 'r';
                default -> '-';
            };
            return "" + type + perm + alloc + '-' + state + open + target + '-' + health + '-';
        }

        /**
         * LVM's {@code lv_health_status}: partial (a PV is missing), refresh needed (a leg failed), Ferry's "copies
         * may differ" (a mirror without consistency after an unclean stop, until {@code resynclv -f}), or "".
         */
        String healthStatus() {
            boolean missing = segments().stream().flatMap(s -> legAreas(s).stream())
                    .anyMatch(a -> !a.isLv() && !present(a)) || logMissing();
            if (missing) {
                return "partial";
            }
            if (leg < 0 && mirrored() && runtime.legHealth(vg.name(), lv.name()).chars().anyMatch(c -> c != 'A')) {
                return "refresh needed";
            }
            return leg < 0 && lv.has(LvFlag.COPIES_MAY_DIFFER) ? "copies may differ" : "";
        }

        /** Whether this mirror row's region log has a copy on a missing PV (its LV is partial, as LVM says). */
        private boolean logMissing() {
            return leg < 0 && segment == null && mirrored() && lv.mirror().logLv() != null
                    && vg.lv(lv.mirror().logLv()).stream().flatMap(l -> l.segments().stream())
                    .flatMap(s -> s.areas().stream()).anyMatch(a -> !present(a));
        }

        private boolean present(Area a) {
            return vg.pv(a.pv()).map(pv -> !pv.missing()).orElse(false);
        }

        /** The areas this row covers in {@code s}: its leg's only for an image row. */
        private List<Area> legAreas(Segment s) {
            if (leg < 0) {
                return s.areas();
            }
            return s.leg(leg) == null ? List.of() : List.of(s.leg(leg));
        }

        /** Ferry's stale copies of this row, in extents. */
        long staleExtents() {
            if (leg >= 0) {
                return MirrorLayout.staleExtents(lv, leg);
            }
            return lv.mirrored() ? MirrorLayout.staleCopies(lv) : 0;
        }

        /** The region log LV, as LVM's Log column shows it. */
        String mirrorLog() {
            return mirrored() && lv.mirror().logLv() != null ? "[" + lv.mirror().logLv() + "]" : "";
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

        /**
         * LVM's pvmove percent: completed segments whole, running (and held) ones by their mirrors' sync, the rest
         * none.
         */
        private double pvmovePercent(double runningPercent) {
            double done = 0;
            for (Segment s : lv.segments()) {
                if (s.moveState() == MoveState.COMPLETED) {
                    done += s.extentCount();
                } else if (s.moveState() == MoveState.RUNNING || s.moveState() == MoveState.HELD) {
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
            if (mirrored()) {   // its images, from the row's first extent, as LVM shows a mirror's devices
                long start = segment == null ? 0 : segment.startLe();
                List<String> images = new java.util.ArrayList<>();
                for (int k = 0; k < lv.copies(); k++) {
                    images.add(MirrorOptions.imageName(lv.name(), k) + "(" + start + ")");
                }
                return String.join(",", images);
            }
            return segments().stream().flatMap(s -> legAreas(s).stream())
                    .map(a -> (a.isLv() ? a.lv() : vg.pv(a.pv()).map(pv -> pv.name()).orElse(a.pv().toString()))
                            + "(" + a.startPe() + ")")
                    .collect(Collectors.joining(","));
        }

        String segtype() {
            if (leg >= 0 || lv.mirrored() && !mirrored()) {
                return "linear";
            }
            return segments().stream().map(s -> s.type().lvmName()).distinct().collect(Collectors.joining(","));
        }

        long stripes() {
            return leg >= 0 ? 1 : segments().get(0).areas().size();
        }

        long stripeSize() {
            return segments().get(0).stripeSize();
        }

        long regionSize() {
            return leg >= 0 ? 0 : segments().get(0).regionSize();
        }

        long sizeBytes() {
            long extents = segments().stream().filter(s -> leg < 0 || s.leg(leg) != null)
                    .mapToLong(Segment::extentCount).sum();
            return extents * vg.extentSize();
        }
    }
}
