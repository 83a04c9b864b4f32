package dev.ferry.daemon.activation;

import dev.ferry.daemon.model.Area;
import dev.ferry.daemon.model.LogicalVolume;
import dev.ferry.daemon.model.LvFlag;
import dev.ferry.daemon.model.MirrorLayout;
import dev.ferry.daemon.model.MirrorOptions;
import dev.ferry.daemon.model.MirrorWriteConsistency;
import dev.ferry.daemon.model.Segment;
import dev.ferry.daemon.model.VolumeGroup;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tables of a mirrored LV (LVM's {@code mirror} type). Each leg {@code k} is a hidden image device
 * {@code VG-LV_mimage_k} concatenating that leg's copy of every piece ({@code error} where a piece has no such
 * copy); the LV's own device is one mirror over the images:
 * <pre>
 *   image k:  start len linear PV data_sector   |   start len error        (per piece, LE order)
 *   LV:       0 len mirror LOG N VG-LV_mimage_0 0 ... VG-LV_mimage_{N-1} 0 F keep_serving handle_errors
 *                    [stale k a-b,c-d ...]... [absent k a-b,...]... throttle VG-LV
 *   LOG:      disk 2 VG-LV_mlog region_sectors [nosync]     (active consistency; 3 arguments with nosync)
 *             core 1 region_sectors | core 2 region_sectors nosync     (no log: nosync unless a full copy is due)
 * </pre>
 * {@code stale k} lists the regions of leg {@code k} overlapping a stale copy or one on a missing PV (whose image
 * piece is {@code error} as well), and those only partly covered by pieces with a copy on that leg; {@code absent k}
 * the regions lying wholly in pieces without a copy on leg {@code k} (an extent with fewer copies than the LV has
 * legs): the mirror neither uses nor recovers the leg there. A mirrored LV whose
 * every piece has one copy is plain linear lines.
 */
final class MirrorTables {

    private MirrorTables() {
    }

    /** The mapped device name of leg {@code leg}'s image of mirrored LV {@code lv}. */
    static String imageDevice(VolumeGroup vg, LogicalVolume lv, int leg) {
        return Activator.deviceName(vg.name(), MirrorOptions.imageName(lv.name(), leg));
    }

    /**
     * The table of mirrored LV {@code lv}'s own device; without a persistent log the copies start in sync when
     * {@code coreInSync} (a clean stop, or a reload of a mirror that was in sync), else every region is copied.
     */
    static String table(VolumeGroup vg, LogicalVolume lv, boolean coreInSync) {
        long extentSectors = vg.extentSize() / LvTables.SECTOR;
        int legs = lv.copies();
        if (legs == 1) {
            StringBuilder b = new StringBuilder();
            for (Segment s : lv.segments()) {
                Area a = s.areas().get(0);
                b.append(s.startLe() * extentSectors).append(' ').append(s.extentCount() * extentSectors)
                        .append(LvTables.missing(vg, a) ? " error" : " linear " + LvTables.device(vg, a)).append('\n');
            }
            return b.toString();
        }
        long region = MirrorLayout.regionSize(lv);
        StringBuilder b = new StringBuilder().append("0 ").append(lv.extentCount() * extentSectors).append(" mirror ")
                .append(log(vg, lv, region / LvTables.SECTOR, coreInSync)).append(' ').append(legs);
        for (int k = 0; k < legs; k++) {
            b.append(' ').append(imageDevice(vg, lv, k)).append(" 0");
        }
        List<String> features = new ArrayList<>(List.of("keep_serving", "handle_errors"));
        List<BitSet[]> copies = new ArrayList<>();
        for (int k = 0; k < legs; k++) {
            copies.add(legRegions(vg, lv, k, region));
        }
        for (String kind : List.of("stale", "absent")) {
            for (int k = 0; k < legs; k++) {
                String ranges = ranges(copies.get(k)[kind.equals("stale") ? 0 : 1]);
                if (!ranges.isEmpty()) {
                    features.addAll(List.of(kind, Integer.toString(k), ranges));
                }
            }
        }
        features.addAll(List.of("throttle", throttleGroup(vg, lv)));
        return b.append(' ').append(features.size()).append(' ').append(String.join(" ", features)).append('\n')
                .toString();
    }

    /**
     * The copier throttle group of mirrored LV {@code lv}'s resync copies (its device name), limited to the LV's
     * recovery rate; stable across reloads.
     */
    static String throttleGroup(VolumeGroup vg, LogicalVolume lv) {
        return Activator.deviceName(vg.name(), lv.name());
    }

    /** The image devices of mirrored LV {@code lv} ({@code name -> table}); none for a single copy. */
    static Map<String, String> imageTables(VolumeGroup vg, LogicalVolume lv) {
        Map<String, String> out = new LinkedHashMap<>();
        int legs = lv.copies();
        if (legs == 1) {
            return out;
        }
        long extentSectors = vg.extentSize() / LvTables.SECTOR;
        for (int k = 0; k < legs; k++) {
            StringBuilder b = new StringBuilder();
            for (Segment s : lv.segments()) {
                b.append(s.startLe() * extentSectors).append(' ').append(s.extentCount() * extentSectors).append(' ');
                Area a = s.leg(k);
                b.append(a == null || LvTables.missing(vg, a) ? "error" : "linear " + LvTables.device(vg, a))
                        .append('\n');
            }
            out.put(imageDevice(vg, lv, k), b.toString());
        }
        return out;
    }

    private static String log(VolumeGroup vg, LogicalVolume lv, long regionSectors, boolean coreInSync) {
        MirrorOptions m = lv.mirror();
        if (m.consistency() == MirrorWriteConsistency.ACTIVE) {
            String dev = Activator.deviceName(vg.name(), m.logLv());
            return lv.has(LvFlag.NOTSYNCED) ? "disk 3 " + dev + " " + regionSectors + " nosync"
                    : "disk 2 " + dev + " " + regionSectors;
        }
        boolean resync = !coreInSync;
        return resync ? "core 1 " + regionSectors : "core 2 " + regionSectors + " nosync";
    }

    /**
     * Leg {@code leg}'s regions of mirrored LV {@code lv}: {@code [0]} those overlapping a stale copy, a copy on a
     * missing PV, or a piece without a copy on that leg next to one with a copy (such a region cannot be copied whole
     * onto the leg); {@code [1]} those lying wholly in pieces without a copy on that leg (absent).
     */
    private static BitSet[] legRegions(VolumeGroup vg, LogicalVolume lv, int leg, long regionSize) {
        BitSet stale = new BitSet();
        BitSet none = new BitSet();
        BitSet some = new BitSet();
        for (Segment s : lv.segments()) {
            Area a = s.leg(leg);
            int first = (int) (s.startLe() * vg.extentSize() / regionSize);
            int end = (int) ((s.endLe() * vg.extentSize() + regionSize - 1) / regionSize);
            (a == null ? none : some).set(first, end);
            if (a != null && (a.stale() || LvTables.missing(vg, a))) {
                stale.set(first, end);
            }
        }
        BitSet mixed = (BitSet) none.clone();
        mixed.and(some);
        stale.or(mixed);
        none.andNot(some);
        return new BitSet[] {stale, none};
    }

    /** {@code a-b,c-d} ranges of {@code regions}, or "". */
    private static String ranges(BitSet regions) {
        List<String> parts = new ArrayList<>();
        for (int first = regions.nextSetBit(0); first >= 0; first = regions.nextSetBit(first)) {
            int last = regions.nextClearBit(first) - 1;
            parts.add(first == last ? Integer.toString(first) : first + "-" + last);
            first = last + 1;
        }
        return String.join(",", parts);
    }
}
