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
import java.util.List;
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
 *            |  mirror disk 2 LOG_SLICE region_sectors 2 SRC HELD_DEV 0 5 handle_errors offline 1 throttle GROUP
 *                                                   (segment HELD, or RUNNING with its destination PV missing)
 * </pre>
 * where {@code data_sector = (pe_start + pe * extent_size) / 512}; a segment with an area on a missing PV that its
 * table uses is an {@code error} line, so only its own extents fail. A RUNNING or HELD pvmove segment keeps a
 * persistent disk region log in its slice of the move's log LV ({@link RegionLogSlices}), so a restart or a continue
 * recopies only what was not in sync. A held segment's destination leg is {@code offline}: the helper device
 * {@code HELD_DEV} ({@link #heldDevice}, an {@code error} table) stands in for it, so the table needs the source only.
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
            if (tableAreas(vg, s).stream().anyMatch(a -> missing(vg, a))) {
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
            for (Area a : tableAreas(vg, s)) {
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
     * region-log device per RUNNING or HELD segment, a slice of the move's log LV, and for each held one an
     * {@code error} device standing in for its offline destination leg; for a mirrored LV its leg images.
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
        long extentSectors = sectors(vg.extentSize(), "extent size");
        for (int i = 0; i < lv.segments().size(); i++) {
            Segment s = lv.segments().get(i);
            if (s.moveState() == MoveState.RUNNING || s.moveState() == MoveState.HELD) {
                out.put(RegionLogSlices.logDevice(vg, lv, i), "0 " + slice + " linear "
                        + Activator.deviceName(vg.name(), lv.move().logLv()) + " " + i * slice + "\n");
            }
            if (held(vg, s)) {
                out.put(heldDevice(vg, lv, i), "0 " + s.extentCount() * extentSectors + " error\n");
            }
        }
        return out;
    }

    /** The {@code error} device standing in for the offline destination leg of held segment {@code index}. */
    static String heldDevice(VolumeGroup vg, LogicalVolume pvmove, int index) {
        return Activator.deviceName(vg.name(), pvmove.name()) + "_held_" + index;
    }

    /** Whether pvmove segment {@code s} maps as held: HELD, or RUNNING with its destination PV missing. */
    private static boolean held(VolumeGroup vg, Segment s) {
        return s.moveState() == MoveState.HELD
                || s.moveState() == MoveState.RUNNING && missing(vg, s.areas().get(1));
    }

    /**
     * The areas segment {@code s}'s table uses: all of them, but for a pvmove segment only the source (DISABLED,
     * held) or the destination (COMPLETED), both while it copies.
     */
    static List<Area> tableAreas(VolumeGroup vg, Segment s) {
        if (s.type() != SegmentType.PVMOVE) {
            return s.areas();
        }
        return switch (s.moveState()) {
            case COMPLETED -> List.of(s.areas().get(1));
            case RUNNING -> held(vg, s) ? List.of(s.areas().get(0)) : s.areas();
            case DISABLED, HELD -> List.of(s.areas().get(0));
        };
    }

    /** The copier throttle group of pvmove LV {@code lv}'s recovery: its device name, stable across reloads. */
    public static String throttleGroup(VolumeGroup vg, LogicalVolume lv) {
        return Activator.deviceName(vg.name(), lv.name());
    }

    /**
     * linear(source) / mirror(source, destination) with the segment's disk log / linear(destination) / the held
     * mirror, its destination leg offline.
     */
    private static String pvmoveLine(VolumeGroup vg, LogicalVolume lv, Segment s) {
        Area src = s.areas().get(0);
        Area dst = s.areas().get(1);
        int index = lv.segments().indexOf(s);
        String mirror = "mirror disk 2 " + RegionLogSlices.logDevice(vg, lv, index) + " "
                + sectors(s.regionSize(), "region size") + " 2 " + device(vg, src) + " ";
        if (held(vg, s)) {
            return mirror + heldDevice(vg, lv, index) + " 0 5 handle_errors offline 1 throttle "
                    + throttleGroup(vg, lv);
        }
        return switch (s.moveState()) {
            case DISABLED -> "linear " + device(vg, src);
            case COMPLETED -> "linear " + device(vg, dst);
            case RUNNING, HELD -> mirror + device(vg, dst) + " 3 handle_errors throttle " + throttleGroup(vg, lv);
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
