package dev.ferry.daemon.activation;

import dev.ferry.daemon.model.Area;
import dev.ferry.daemon.model.LogicalVolume;
import dev.ferry.daemon.model.LvFlag;
import dev.ferry.daemon.model.MoveState;
import dev.ferry.daemon.model.PhysicalVolume;
import dev.ferry.daemon.model.Segment;
import dev.ferry.daemon.model.SegmentType;
import dev.ferry.daemon.model.VolumeGroup;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Turns an LV into device-mapper table text in 512-byte sectors, one line per segment in LE order, naming
 * each PV by its path:
 * <pre>
 *   linear   start len linear  PV data_sector
 *   striped  start len striped N chunk_sectors (PV data_sector){N}
 *   mirrored LV: see {@link MirrorTables}
 *   pvmove   start len linear  SRC  |  mirror disk 2 LOG_SLICE region_sectors 2 SRC DST 3 handle_errors
 *            throttle GROUP  |  linear DST          (segment DISABLED | RUNNING | COMPLETED)
 * </pre>
 * where {@code data_sector = (pe_start + pe * extent_size) / 512}; a segment with an area on a missing PV is an
 * {@code error} line, so only its own extents fail. A RUNNING pvmove segment keeps a persistent disk region
 * log in its slice of the move's log LV ({@link RegionLogSlices}), so a restart recopies only what was not in sync.
 */
public final class LvTables {
    /** Bytes per sector of table text. */
    public static final int SECTOR = 512;

    private LvTables() {
    }

    /**
     * The table of {@code lv} in {@code vg}.
     *
     * @throws IllegalArgumentException if the LV has no segments or an area names a PV outside the VG
     */
    public static String table(VolumeGroup vg, LogicalVolume lv) {
        return table(vg, lv, !lv.has(LvFlag.UNCLEAN));
    }

    /**
     * The table of {@code lv} in {@code vg}; a mirrored LV without a persistent log starts in sync when
     * {@code coreInSync} ({@link MirrorTables}).
     *
     * @throws IllegalArgumentException if the LV has no segments or an area names a PV outside the VG
     */
    public static String table(VolumeGroup vg, LogicalVolume lv, boolean coreInSync) {
        if (lv.segments().isEmpty()) {
            throw new IllegalArgumentException("LV " + vg.name() + "/" + lv.name() + " has no segments");
        }
        if (lv.mirrored()) {
            return MirrorTables.table(vg, lv, coreInSync);
        }
        long extentSectors = sectors(vg.extentSize(), "extent size");
        StringBuilder b = new StringBuilder();
        for (Segment s : lv.segments()) {
            b.append(s.startLe() * extentSectors).append(' ').append(s.extentCount() * extentSectors).append(' ');
            if (s.areas().stream().anyMatch(a -> missing(vg, a))) {
                b.append("error\n");   // extents on a missing PV fail, the rest of the LV serves
                continue;
            }
            if (s.type() == SegmentType.PVMOVE) {
                b.append(pvmoveLine(vg, lv, s)).append('\n');
                continue;
            }
            switch (s.type()) {
                case LINEAR -> b.append("linear ");
                case STRIPED -> b.append("striped ").append(s.areas().size()).append(' ')
                        .append(sectors(s.stripeSize(), "stripe size")).append(' ');
                default -> throw new IllegalArgumentException("segment type " + s.type());
            }
            for (int i = 0; i < s.areas().size(); i++) {
                b.append(i == 0 ? "" : " ").append(device(vg, s.areas().get(i)));
            }
            b.append('\n');
        }
        return b.toString();
    }

    /** The PV paths {@code lv}'s table names, in first-use order. */
    public static Set<String> pvPaths(VolumeGroup vg, LogicalVolume lv) {
        Set<String> out = new LinkedHashSet<>();
        for (Segment s : lv.segments()) {
            for (Area a : s.areas()) {
                if (!a.isLv() && !missing(vg, a)) {
                    out.add(pv(vg, a).name());
                }
            }
        }
        return out;
    }

    /** The size of {@code lv} in bytes. */
    public static long sizeBytes(VolumeGroup vg, LogicalVolume lv) {
        return lv.extentCount() * vg.extentSize();
    }

    /**
     * The helper devices {@code lv}'s table names besides PVs and LVs ({@code name -> table}): for a pvmove LV, one
     * region-log device per RUNNING segment, a slice of the move's log LV; for a mirrored LV its leg images.
     */
    public static Map<String, String> auxTables(VolumeGroup vg, LogicalVolume lv) {
        if (lv.mirrored()) {
            return MirrorTables.imageTables(vg, lv);
        }
        Map<String, String> out = new LinkedHashMap<>();
        if (lv.move() == null) {
            return out;
        }
        long slice = sectors(RegionLogSlices.sliceBytes(vg.extentSize(), lv), "log slice");
        for (int i = 0; i < lv.segments().size(); i++) {
            if (lv.segments().get(i).moveState() == MoveState.RUNNING) {
                out.put(RegionLogSlices.logDevice(vg, lv, i), "0 " + slice + " linear "
                        + Activator.deviceName(vg.name(), lv.move().logLv()) + " " + i * slice + "\n");
            }
        }
        return out;
    }

    /** The copier throttle group of pvmove LV {@code lv}'s recovery: its device name, stable across reloads. */
    public static String throttleGroup(VolumeGroup vg, LogicalVolume lv) {
        return Activator.deviceName(vg.name(), lv.name());
    }

    /** linear(source) / mirror(source, destination) with the segment's disk log / linear(destination). */
    private static String pvmoveLine(VolumeGroup vg, LogicalVolume lv, Segment s) {
        Area src = s.areas().get(0);
        Area dst = s.areas().get(1);
        return switch (s.moveState()) {
            case DISABLED -> "linear " + device(vg, src);
            case COMPLETED -> "linear " + device(vg, dst);
            case RUNNING -> "mirror disk 2 " + RegionLogSlices.logDevice(vg, lv, lv.segments().indexOf(s)) + " "
                    + sectors(s.regionSize(), "region size") + " 2 " + device(vg, src) + " " + device(vg, dst)
                    + " 3 handle_errors throttle " + throttleGroup(vg, lv);
        };
    }

    /** Whether {@code a} lies on a PV of {@code vg} that is missing. */
    static boolean missing(VolumeGroup vg, Area a) {
        return !a.isLv() && pv(vg, a).missing();
    }

    /** {@code PV data_sector} of an area, or {@code VG-LV sector} of an area inside another LV. */
    static String device(VolumeGroup vg, Area a) {
        if (a.isLv()) {
            return Activator.deviceName(vg.name(), a.lv()) + " " + sectors(a.startPe() * vg.extentSize(), "LE");
        }
        PhysicalVolume pv = pv(vg, a);
        return pv.name() + " " + sectors(pv.peStart() + a.startPe() * vg.extentSize(), "PE offset");
    }

    private static PhysicalVolume pv(VolumeGroup vg, Area a) {
        return vg.pv(a.pv()).orElseThrow(() -> new IllegalArgumentException("area names PV " + a.pv()
                + ", not a member of VG " + vg.name()));
    }

    private static long sectors(long bytes, String what) {
        if (bytes % SECTOR != 0) {
            throw new IllegalArgumentException(what + " " + bytes + " is not a multiple of " + SECTOR + " bytes");
        }
        return bytes / SECTOR;
    }
}
