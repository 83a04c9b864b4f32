package dev.ferry.daemon.model;

import java.util.HashSet;
import java.util.Set;

/** Whole-VG consistency checks run before every commit and after every load. */
public final class VgValidator {
    /** Smallest extent size: one 4 KiB page, the NBD/mapper block granularity. */
    public static final long MIN_EXTENT_SIZE = 4096;
    /** Largest extent size, as LVM: 16 GiB. */
    public static final long MAX_EXTENT_SIZE = 16L << 30;

    private VgValidator() {
    }

    /** Checks an extent size: a power of two in [{@value #MIN_EXTENT_SIZE}, 16 GiB]. */
    public static void checkExtentSize(long bytes) {
        if (bytes < MIN_EXTENT_SIZE || bytes > MAX_EXTENT_SIZE || Long.bitCount(bytes) != 1) {
            throw new VolumeException(ErrorCode.INVALID_EXTENT_SIZE, "Invalid extent size " + bytes
                    + " bytes: must be a power of 2 between 4 KiB and 16 GiB");
        }
    }

    /**
     * Checks names, uniqueness of PVs and LVs, segment placement and that no PE is used twice.
     *
     * @throws VolumeException METADATA_INVALID describing the first defect found
     */
    public static void validate(VolumeGroup vg) {
        try {
            Names.checkVgName(vg.name());
            checkExtentSize(vg.extentSize());
        } catch (VolumeException e) {
            throw invalid(vg, e.getMessage());
        }
        if (vg.alloc() == AllocationPolicy.INHERIT) {
            throw invalid(vg, "a VG cannot inherit its allocation policy");
        }
        Set<Object> seen = new HashSet<>();
        for (PhysicalVolume pv : vg.pvs()) {
            if (!seen.add(pv.uuid()) || !seen.add(pv.name())) {
                throw invalid(vg, "PV " + pv.name() + " (" + pv.uuid() + ") listed twice");
            }
        }
        for (LogicalVolume lv : vg.lvs()) {
            if (!seen.add("lv:" + lv.name()) || !seen.add(lv.uuid())) {
                throw invalid(vg, "LV " + lv.name() + " listed twice");
            }
            if (lv.segments().isEmpty()) {
                throw invalid(vg, "LV " + lv.name() + " has no segments");
            }
            try {
                if (!lv.hidden()) {
                    Names.checkLvName(lv.name());
                }
            } catch (VolumeException e) {
                throw invalid(vg, e.getMessage());
            }
        }
        checkLvAreas(vg);
        checkMirrors(vg);
        FreeSpaceMap.of(vg);
    }

    /**
     * Mirror pieces only in mirrored LVs, each mirrored LV made of mirror pieces of one region size, and each region
     * log LV hidden, flagged and owned by exactly one mirrored LV; a mirrored log has two copies at most and a core
     * log (no log LV of its own).
     */
    private static void checkMirrors(VolumeGroup vg) {
        Set<String> logs = new HashSet<>();
        for (LogicalVolume lv : vg.lvs()) {
            boolean mirrorPieces = lv.segments().stream().anyMatch(s -> s.type() == SegmentType.MIRROR);
            if (!lv.mirrored()) {
                if (mirrorPieces) {
                    throw invalid(vg, "LV " + lv.name() + " has mirror segments but no mirror options");
                }
                continue;
            }
            if (lv.has(LvFlag.MIRROR_LOG) && (lv.mirror().logLv() != null || lv.copies() > 2)) {
                throw invalid(vg, "mirror log " + lv.name() + " is mirrored with a log of its own or over more than "
                        + "2 copies");
            }
            long region = lv.segments().get(0).regionSize();
            if (lv.segments().stream().anyMatch(s -> s.type() != SegmentType.MIRROR || s.regionSize() != region)) {
                throw invalid(vg, "mirrored LV " + lv.name() + " mixes segment types or region sizes");
            }
            checkResync(vg, lv);
            String log = lv.mirror().logLv();
            if (log == null) {
                continue;
            }
            LogicalVolume l = vg.lv(log).orElse(null);
            if (l == null || !l.hidden() || !l.has(LvFlag.MIRROR_LOG) || !logs.add(log)) {
                throw invalid(vg, "mirrored LV " + lv.name() + " names log " + log
                        + ", which is missing, visible, not a mirror log or shared");
            }
        }
        for (LogicalVolume lv : vg.lvs()) {
            if (lv.has(LvFlag.MIRROR_LOG) && !logs.contains(lv.name())) {
                throw invalid(vg, "mirror log " + lv.name() + " belongs to no mirrored LV");
            }
        }
    }

    /** A resync record's LEs lie in the LV, and its PVs are members. */
    private static void checkResync(VolumeGroup vg, LogicalVolume lv) {
        MirrorResync r = lv.mirror().resync();
        if (r == null) {
            return;
        }
        MirrorResync.Run last = r.extents().get(r.extents().size() - 1);
        boolean pvsKnown = (r.pv() == null || vg.pv(r.pv()).isPresent()) && (r.move() == null
                || vg.pv(r.move().source().pv()).isPresent() && vg.pv(r.move().destination().pv()).isPresent());
        if (last.start() + last.count() > lv.extentCount() || !pvsKnown) {
            throw invalid(vg, "LV " + lv.name() + " records a " + r.verb() + " of LEs past its end or of unknown PVs");
        }
    }

    /** LV areas must point inside a pvmove LV, and no LE of a pvmove LV may be referenced twice. */
    private static void checkLvAreas(VolumeGroup vg) {
        Set<String> used = new HashSet<>();
        for (LogicalVolume lv : vg.lvs()) {
            for (Segment s : lv.segments()) {
                for (Area a : s.areas()) {
                    if (!a.isLv()) {
                        continue;
                    }
                    LogicalVolume target = vg.lv(a.lv()).orElse(null);
                    if (target == null || !target.has(LvFlag.PVMOVE)) {
                        throw invalid(vg, "LV " + lv.name() + " points into " + a.lv() + ", not a pvmove LV");
                    }
                    if (a.startPe() + s.areaLength() > target.extentCount()) {
                        throw invalid(vg, "LV " + lv.name() + " points past the end of " + a.lv());
                    }
                    for (long le = a.startPe(); le < a.startPe() + s.areaLength(); le++) {
                        if (!used.add(a.lv() + ":" + le)) {
                            throw invalid(vg, "LE " + le + " of " + a.lv() + " is used twice");
                        }
                    }
                }
            }
        }
    }

    private static VolumeException invalid(VolumeGroup vg, String what) {
        return new VolumeException(ErrorCode.METADATA_INVALID, "VG " + vg.name() + ": " + what);
    }
}
