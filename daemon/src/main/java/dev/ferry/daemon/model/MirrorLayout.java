package dev.ferry.daemon.model;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.UnaryOperator;

/**
 * The metadata arithmetic of mirrored LVs, without touching disks: the region log LV's size and placement, the
 * per-extent stale marks of each leg (cutting segments where a mark begins or ends, merging them again when equal),
 * and the PVs each leg uses.
 *
 * <p>A mirrored LV's segments are {@link SegmentType#MIRROR} pieces whose area {@code k} is the copy on leg
 * {@code k}; leg {@code k} seen across all pieces is LVM's hidden image LV {@code LV_mimage_k}. A piece may have
 * fewer areas than the LV has legs (an AIX logical partition with fewer copies).
 */
public final class MirrorLayout {
    /** Bytes of one on-disk region log slot header (the mapper's disk log format). */
    private static final long LOG_HEADER_BYTES = 48;
    /** Alignment of a log slot. */
    private static final long LOG_ALIGN = 4096;

    private MirrorLayout() {
    }

    /** Regions of {@code extents} extents of {@code extentSize} bytes in regions of {@code regionSize} bytes. */
    public static long regions(long extents, long extentSize, long regionSize) {
        return (extents * extentSize + regionSize - 1) / regionSize;
    }

    /**
     * Extents the region log of an LV of {@code lvExtents} extents needs: two 4 KiB aligned slots, each a 48-byte
     * header and an in-sync and a dirty bitmap (the mapper's {@code DiskRegionLog.deviceBytes}).
     */
    public static long logExtents(long extentSize, long lvExtents, long regionSize) {
        long bitmap = (regions(lvExtents, extentSize, regionSize) + 7) / 8;
        long slot = (LOG_HEADER_BYTES + 2 * bitmap + LOG_ALIGN - 1) / LOG_ALIGN * LOG_ALIGN;
        return Math.max(1, (2 * slot + extentSize - 1) / extentSize);
    }

    /** The region size of mirrored LV {@code lv} (every piece has the same). */
    public static long regionSize(LogicalVolume lv) {
        return lv.segments().get(0).regionSize();
    }

    /**
     * {@code vg} with mirrored LV {@code lv} (its legs already allocated) added under {@code mwc}: for active
     * consistency a region log LV of {@code logCopies} copies (1: disk, 2: mirrored) is allocated first, from
     * {@code free} (the PEs the caller may use, legs excluded by the caller) on PVs no leg uses unless {@code policy}
     * is anywhere ({@link MirrorLogs#newLog}).
     *
     * @throws VolumeException INSUFFICIENT_SPACE naming the log when it does not fit
     */
    static VolumeGroup withNewMirror(VolumeGroup vg, LogicalVolume lv, MirrorWriteConsistency mwc, int logCopies,
                                     boolean nosync, FreeSpaceMap free, AllocationPolicy policy) {
        Set<LvFlag> status = EnumSet.copyOf(lv.status());
        if (nosync) {
            status.add(LvFlag.NOTSYNCED);
        } else if (mwc != MirrorWriteConsistency.ACTIVE) {
            status.add(LvFlag.UNCLEAN);   // no region log: the first activation copies everything
        }
        VolumeGroup out = vg;
        String logLv = null;
        if (mwc == MirrorWriteConsistency.ACTIVE) {
            logLv = MirrorOptions.logLvName(lv.name());
            if (vg.lv(logLv).isPresent()) {
                throw new VolumeException(ErrorCode.LV_EXISTS, "Logical volume \"" + logLv + "\" (the mirror log of "
                        + lv.name() + ") already exists in volume group \"" + vg.name() + "\"");
            }
            out = out.withLvAdded(MirrorLogs.newLog(vg, logLv, lv, logCopies, free, policy));
        }
        return out.withLvAdded(lv.withStatus(status).withMirror(new MirrorOptions(mwc, logLv)));
    }

    /**
     * {@code lv} with the copies (areas) of LE {@code le} replaced by what {@code change} makes of them, its
     * segment cut around that LE and neighbours merged again where they match.
     */
    public static LogicalVolume withCopiesOf(LogicalVolume lv, long le, UnaryOperator<List<Area>> change) {
        List<Segment> out = new ArrayList<>();
        for (Segment s : lv.segments()) {
            if (le < s.startLe() || le >= s.endLe()) {
                out.add(s);
                continue;
            }
            for (Segment piece : s.cutAt(new TreeSet<>(List.of(le - s.startLe(), le + 1 - s.startLe())))) {
                out.add(piece.startLe() == le ? piece.withAreas(change.apply(piece.areas())) : piece);
            }
        }
        return lv.withSegments(LvLayout.merge(out));
    }

    static Set<LvFlag> with(Set<LvFlag> flags, LvFlag flag) {
        Set<LvFlag> out = flags.isEmpty() ? EnumSet.noneOf(LvFlag.class) : EnumSet.copyOf(flags);
        out.add(flag);
        return out;
    }

    static Set<LvFlag> without(Set<LvFlag> flags, LvFlag flag) {
        Set<LvFlag> out = flags.isEmpty() ? EnumSet.noneOf(LvFlag.class) : EnumSet.copyOf(flags);
        out.remove(flag);
        return out;
    }

    static VolumeException invalid(String message) {
        return new VolumeException(ErrorCode.INVALID_ARGUMENT, message);
    }

    /** {@code free} without the PVs of mirrored LV {@code lv}'s region log, so that no leg grows onto them. */
    static FreeSpaceMap withoutLogPvs(VolumeGroup vg, LogicalVolume lv, FreeSpaceMap free) {
        if (lv.mirror().logLv() == null) {
            return free;
        }
        return avoiding(free, legPvs(vg.requireLv(lv.mirror().logLv())));
    }

    /** A copy of {@code free} without any free space on {@code pvs}. */
    static FreeSpaceMap avoiding(FreeSpaceMap free, Set<UUID> pvs) {
        FreeSpaceMap out = free.copy();
        Map<UUID, List<PeRun>> allowed = new HashMap<>();
        for (UUID pv : out.pvs()) {
            if (!pvs.contains(pv)) {
                allowed.put(pv, out.freeRuns(pv));
            }
        }
        out.restrictTo(allowed);
        return out;
    }

    /**
     * {@code vg} with every PV that is absent or lost ({@code present} says which are there) flagged missing and
     * every mirror copy on a missing PV stale; unchanged if that is so already.
     */
    static VolumeGroup withMissingPvsStale(VolumeGroup vg, Set<UUID> present) {
        VolumeGroup out = vg.withPvs(vg.pvs().stream().map(pv -> present.contains(pv.uuid()) ? pv
                : pv.withMissing(true)).toList());
        Set<UUID> missing = new HashSet<>();
        out.pvs().stream().filter(PhysicalVolume::missing).forEach(pv -> missing.add(pv.uuid()));
        for (String name : out.lvs().stream().map(LogicalVolume::name).toList()) {
            LogicalVolume lv = out.lv(name).orElse(null);
            if (lv == null || !lv.mirrored()) {
                continue;
            }
            String log = lv.mirror().logLv();
            if (log != null && MirrorLogs.lost(out.requireLv(log), missing)) {
                // the region log (every copy of some extent of it) is lost: the mirror goes on without one,
                // copying everything after a crash
                out = out.withLvChanged(log, l -> null).withLvChanged(lv.name(), l -> l
                        .withMirror(new MirrorOptions(MirrorWriteConsistency.PASSIVE, null))
                        .withStatus(with(l.status(), LvFlag.UNCLEAN)));
                lv = out.requireLv(lv.name());
            }
            List<Segment> segs = new ArrayList<>();
            for (Segment s : lv.segments()) {
                segs.add(s.withAreas(s.areas().stream().map(a -> !a.isLv() && missing.contains(a.pv())
                        ? a.withStale(true) : a).toList()));
            }
            LogicalVolume marked = lv.withSegments(LvLayout.merge(segs));
            out = out.withLvChanged(lv.name(), l -> marked);
        }
        return out;
    }

    /**
     * {@code vg} without PVs {@code gone}: mirrored LVs lose their copies there (becoming linear with one copy left),
     * and every LV left without a copy of some extent is removed with its region log.
     */
    static VolumeGroup withoutPvs(VolumeGroup vg, Set<UUID> gone) {
        VolumeGroup out = vg.withPvs(vg.pvs().stream().filter(pv -> !gone.contains(pv.uuid())).toList());
        for (LogicalVolume lv : vg.lvs()) {
            if (out.lv(lv.name()).isEmpty() || lv.has(LvFlag.MIRROR_LOG) && !lv.mirrored()) {
                continue;   // a disk log goes with its mirror; a mirrored one keeps its copies left, as mirrors do
            }
            List<Segment> kept = new ArrayList<>();
            boolean whole = true;
            for (Segment s : lv.segments()) {
                List<Area> areas = s.areas().stream().filter(a -> a.isLv() || !gone.contains(a.pv())).toList();
                whole &= s.type() == SegmentType.MIRROR ? !areas.isEmpty() : areas.size() == s.areas().size();
                if (whole && s.type() == SegmentType.MIRROR) {
                    kept.add(s.withAreas(areas));
                } else {
                    kept.add(s);
                }
            }
            String log = lv.mirrored() ? lv.mirror().logLv() : null;
            if (!whole) {
                out = out.withLvChanged(lv.name(), l -> null);
                if (log != null) {
                    out = out.withLvChanged(log, l -> null);
                }
            } else if (lv.mirrored()) {
                LogicalVolume left = lv.withSegments(LvLayout.merge(kept));
                out = out.withLvChanged(lv.name(), l -> lv.has(LvFlag.MIRROR_LOG) && left.copies() == 1
                        ? MirrorLogs.linearised(left) : left);   // a mirrored log left with one copy is a disk log
            }
        }
        return out;
    }

    /** The PVs any leg of {@code lv} has an area on. */
    public static Set<UUID> legPvs(LogicalVolume lv) {
        Set<UUID> out = new HashSet<>();
        for (Segment s : lv.segments()) {
            for (Area a : s.areas()) {
                if (!a.isLv()) {
                    out.add(a.pv());
                }
            }
        }
        return out;
    }

    /**
     * {@code lv} with leg {@code leg}'s copy of LEs {@code [fromLe, toLe)} marked stale or good; pieces without
     * that leg are left alone. Segments are cut where the mark changes and merged again where neighbours match.
     */
    public static LogicalVolume withStale(LogicalVolume lv, int leg, long fromLe, long toLe, boolean stale) {
        List<Segment> out = new ArrayList<>();
        for (Segment s : lv.segments()) {
            if (s.endLe() <= fromLe || s.startLe() >= toLe || s.leg(leg) == null || s.leg(leg).stale() == stale) {
                out.add(s);
                continue;
            }
            TreeSet<Long> cuts = new TreeSet<>(List.of(fromLe - s.startLe(), toLe - s.startLe()));
            for (Segment piece : s.cutAt(cuts)) {
                if (piece.startLe() >= fromLe && piece.endLe() <= toLe) {
                    List<Area> areas = new ArrayList<>(piece.areas());
                    areas.set(leg, areas.get(leg).withStale(stale));
                    piece = piece.withAreas(areas);
                }
                out.add(piece);
            }
        }
        return lv.withSegments(LvLayout.merge(out));
    }

    /** Extents of {@code lv} whose copy on leg {@code leg} is stale. */
    public static long staleExtents(LogicalVolume lv, int leg) {
        return lv.segments().stream().filter(s -> s.leg(leg) != null && s.leg(leg).stale())
                .mapToLong(Segment::extentCount).sum();
    }

    /** Extents of {@code lv}, counted once per stale copy (all legs). */
    public static long staleCopies(LogicalVolume lv) {
        long n = 0;
        for (int leg = 0; leg < lv.copies(); leg++) {
            n += staleExtents(lv, leg);
        }
        return n;
    }
}
