package dev.ferry.daemon.model.report;

import dev.ferry.daemon.model.ErrorCode;
import dev.ferry.daemon.model.FreeSpaceMap;
import dev.ferry.daemon.model.KnownPvs;
import dev.ferry.daemon.model.LogicalVolume;
import dev.ferry.daemon.model.PvInfo;
import dev.ferry.daemon.model.PvUri;
import dev.ferry.daemon.model.Segment;
import dev.ferry.daemon.model.VolumeException;
import dev.ferry.daemon.model.VolumeGroup;
import dev.ferry.daemon.model.VolumeManager;
import dev.ferry.daemon.model.VolumeSnapshot;
import dev.ferry.daemon.model.report.ReportRows.LvRow;
import dev.ferry.daemon.model.report.ReportRows.PvRow;
import dev.ferry.daemon.model.report.ReportRows.VgRow;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Builds {@code pvs}, {@code vgs} and {@code lvs} reports from a {@link VolumeManager}'s current state. */
public final class Reporter {
    private static final List<ReportField<PvRow>> PV_FIELDS = List.of(
            ReportField.text("pv_name", "PV", 10,
                    r -> r.pv().missing() && !PvUri.isUri(r.pv().path()) ? "[unknown]" : r.pv().path()),
            ReportField.text("vg_name", "VG", r -> r.vg() == null ? "" : r.vg().name()),
            ReportField.text("pv_fmt", "Fmt", r -> "ferry1"),
            ReportField.text("pv_attr", "Attr", PvRow::attr),
            ReportField.size("pv_size", "PSize", PvRow::size),
            ReportField.size("pv_free", "PFree", PvRow::freeBytes),
            ReportField.text("pv_uuid", "PV UUID", 38, r -> r.pv().uuid().toString()),
            ReportField.size("dev_size", "DevSize", r -> r.pv().deviceSize()),
            ReportField.size("pe_start", "1st PE", 7, r -> r.pv().peStart()),
            ReportField.number("pv_pe_count", "PE", 3, PvRow::peCount),
            ReportField.number("pv_pe_alloc_count", "Alloc",
                    r -> r.vg() == null ? 0 : r.peCount() - r.free().freeExtents(r.pv().uuid())),
            ReportField.number("pv_stale_extents", "Stale", PvRow::staleExtents),
            ReportField.text("pv_health", "Health", r -> r.pv().health()),
            ReportField.text("pv_link", "Link",
                    r -> PvUri.isUri(r.pv().path()) ? PvUri.parse(r.pv().path()).link().toString() : ""));
    private static final List<ReportField<VgRow>> VG_FIELDS = List.of(
            ReportField.text("vg_name", "VG", r -> r.vg().name()),
            ReportField.number("pv_count", "#PV", r -> r.vg().pvs().size()),
            ReportField.number("lv_count", "#LV", VgRow::visibleLvs),
            ReportField.number("snap_count", "#SN", r -> 0),
            ReportField.text("vg_attr", "Attr", 5, VgRow::attr),
            ReportField.size("vg_size", "VSize", r -> r.vg().extentCount() * r.vg().extentSize()),
            ReportField.size("vg_free", "VFree", r -> r.free().totalFree() * r.vg().extentSize()),
            ReportField.text("vg_uuid", "VG UUID", 38, r -> r.vg().uuid().toString()),
            ReportField.size("vg_extent_size", "Ext", r -> r.vg().extentSize()),
            ReportField.number("vg_extent_count", "#Ext", r -> r.vg().extentCount()),
            ReportField.number("vg_free_count", "Free", r -> r.free().totalFree()),
            ReportField.number("vg_seqno", "Seq", r -> r.vg().seqno()),
            ReportField.number("vg_missing_pv_count", "#Missing", VgRow::missingPvs));
    private static final List<ReportField<LvRow>> LV_FIELDS = List.of(
            ReportField.text("lv_name", "LV", 4, LvRow::displayName),
            ReportField.text("vg_name", "VG", r -> r.vg().name()),
            ReportField.text("lv_attr", "Attr", LvRow::attr),
            ReportField.size("lv_size", "LSize", r -> r.lv().extentCount() * r.vg().extentSize()),
            ReportField.text("pool_lv", "Pool", r -> ""),
            ReportField.text("origin", "Origin", r -> ""),
            ReportField.text("data_percent", "Data%", 6, r -> ""),
            ReportField.text("metadata_percent", "Meta%", 6, r -> ""),
            ReportField.text("move_pv", "Move", LvRow::movePv),
            ReportField.text("mirror_log", "Log", LvRow::mirrorLog),
            new ReportField<LvRow>("copy_percent", "Cpy%Sync", true, 0, (r, u) -> r.copyPercent()),
            ReportField.text("convert_lv", "Convert", r -> ""),
            ReportField.text("devices", "Devices", LvRow::devices),
            ReportField.text("lv_uuid", "LV UUID", 38, r -> r.leg() < 0 ? r.lv().uuid().toString() : ""),
            ReportField.text("lv_path", "Path", r -> r.lv().hidden() || r.leg() >= 0 ? ""
                    : r.vg().name() + "/" + r.lv().name()),
            ReportField.text("lv_health_status", "Health", 15, LvRow::healthStatus),
            ReportField.number("lv_stale_extents", "Stale", LvRow::staleExtents),
            ReportField.text("mirror_write_consistency", "MWC",
                    r -> r.lv().mirrored() && r.leg() < 0 ? r.lv().mirror().consistency().cliName() : ""),
            ReportField.text("segtype", "Type", LvRow::segtype),
            ReportField.number("stripes", "#Str", LvRow::stripes),
            ReportField.size("stripe_size", "Stripe", LvRow::stripeSize),
            ReportField.size("region_size", "Region", LvRow::regionSize),
            ReportField.number("seg_count", "#Seg", r -> r.lv().segments().size()),
            ReportField.size("seg_size", "SSize", LvRow::sizeBytes),
            ReportField.number("seg_start_pe", "Start", r -> r.segments().get(0).startLe()));
    /** Fields of a segment, not of the whole LV: asking for one gives a row per segment, as LVM does. */
    private static final Set<String> SEGMENT_FIELDS = Set.of("devices", "segtype", "stripes", "stripe_size",
            "region_size", "seg_size", "seg_start_pe");
    private static final List<String> PV_DEFAULT = List.of("pv_name", "vg_name", "pv_fmt", "pv_attr", "pv_size",
            "pv_free");
    private static final List<String> VG_DEFAULT = List.of("vg_name", "pv_count", "lv_count", "snap_count",
            "vg_attr", "vg_size", "vg_free");
    private static final List<String> LV_DEFAULT = List.of("lv_name", "vg_name", "lv_attr", "lv_size", "pool_lv",
            "origin", "data_percent", "metadata_percent", "move_pv", "mirror_log", "copy_percent", "convert_lv");
    private static final List<String> SEG_DEFAULT = List.of("lv_name", "vg_name", "lv_attr", "stripes", "segtype",
            "seg_size");

    private final VolumeManager manager;

    /** A reporter over {@code manager}. */
    public Reporter(VolumeManager manager) {
        this.manager = manager;
    }

    /** pvs: PVs sorted by name. */
    public Report pvs(ReportOptions options) {
        VolumeSnapshot snapshot = manager.snapshot();
        Map<String, VolumeGroup> vgs = vgsByName(snapshot);
        Map<String, FreeSpaceMap> free = new HashMap<>();
        List<PvRow> rows = new ArrayList<>();
        for (PvInfo pv : snapshot.pvs()) {
            VolumeGroup vg = pv.vgName() == null ? null : vgs.get(pv.vgName());
            rows.add(new PvRow(pv, vg, vg == null ? null : free.computeIfAbsent(vg.name(), n -> FreeSpaceMap.of(vg))));
        }
        rows.sort(Comparator.comparing(r -> r.pv().path()));
        if (!options.names().isEmpty()) {
            Set<String> wanted = new HashSet<>();
            options.names().forEach(n -> wanted.add(KnownPvs.canonical(n)));
            for (String n : wanted) {
                if (rows.stream().noneMatch(r -> r.pv().path().equals(n))) {
                    throw new VolumeException(ErrorCode.PV_NOT_FOUND, "Failed to find physical volume \"" + n + "\"");
                }
            }
            rows.removeIf(r -> !wanted.contains(r.pv().path()));
        }
        return build("pv", PV_FIELDS, PV_DEFAULT, options, rows);
    }

    /** vgs: VGs sorted by name. */
    public Report vgs(ReportOptions options) {
        VolumeSnapshot snapshot = manager.snapshot();
        List<VgRow> rows = new ArrayList<>();
        for (VolumeGroup vg : selectVgs(snapshot, options.names())) {
            rows.add(new VgRow(vg, FreeSpaceMap.of(vg), snapshot.presentPvs()));
        }
        return build("vg", VG_FIELDS, VG_DEFAULT, options, rows);
    }

    /**
     * lvs: LVs sorted by VG then LV name; one row per segment with --segments or when a segment field (such as
     * {@code devices}) is asked for; hidden LVs only with -a.
     */
    public Report lvs(ReportOptions options) {
        List<String> vgNames = new ArrayList<>();
        Map<String, Set<String>> lvFilter = new HashMap<>();
        for (String n : options.names()) {
            int slash = n.indexOf('/');
            String vg = slash < 0 ? n : n.substring(0, slash);
            vgNames.add(vg);
            if (slash >= 0) {
                lvFilter.computeIfAbsent(vg, k -> new HashSet<>()).add(n.substring(slash + 1));
            }
        }
        String type = options.segments() ? "seg" : "lv";
        boolean perSegment = options.segments() || columnNames(options.segments() ? SEG_DEFAULT : LV_DEFAULT,
                options.fields()).stream().anyMatch(n -> !n.equals("help")
                        && SEGMENT_FIELDS.contains(field(LV_FIELDS, type, n).name()));
        List<LvRow> rows = new ArrayList<>();
        for (VolumeGroup vg : selectVgs(manager.snapshot(), vgNames)) {
            Set<String> only = lvFilter.get(vg.name());
            if (only != null) {
                for (String lv : only) {
                    if (vg.lv(lv).isEmpty()) {
                        throw new VolumeException(ErrorCode.LV_NOT_FOUND, "Failed to find logical volume \""
                                + vg.name() + "/" + lv + "\"");
                    }
                }
            }
            List<LogicalVolume> lvs = new ArrayList<>(vg.lvs());
            lvs.sort(Comparator.comparing(LogicalVolume::name));
            for (LogicalVolume lv : lvs) {
                if ((lv.hidden() && !options.all()) || (only != null && !only.contains(lv.name()))) {
                    continue;
                }
                addRows(rows, vg, lv, -1, perSegment);
                if (options.all() && lv.mirrored() && lv.copies() > 1) {
                    for (int leg = 0; leg < lv.copies(); leg++) {
                        addRows(rows, vg, lv, leg, perSegment);
                    }
                }
            }
        }
        return build(type, LV_FIELDS, options.segments() ? SEG_DEFAULT : LV_DEFAULT, options, rows);
    }

    /** The rows of {@code lv} (or of its mirror image {@code leg}, or -1): one, or one per segment. */
    private void addRows(List<LvRow> rows, VolumeGroup vg, LogicalVolume lv, int leg, boolean perSegment) {
        if (perSegment) {
            lv.segments().forEach(s -> rows.add(new LvRow(vg, lv, s, manager.runtime(), leg)));
        } else {
            rows.add(new LvRow(vg, lv, null, manager.runtime(), leg));
        }
    }

    private static Map<String, VolumeGroup> vgsByName(VolumeSnapshot snapshot) {
        Map<String, VolumeGroup> out = new LinkedHashMap<>();
        snapshot.vgs().forEach(vg -> out.put(vg.name(), vg));
        return out;
    }

    private static List<VolumeGroup> selectVgs(VolumeSnapshot snapshot, List<String> names) {
        Map<String, VolumeGroup> all = vgsByName(snapshot);
        if (names.isEmpty()) {
            return new ArrayList<>(all.values());
        }
        List<VolumeGroup> out = new ArrayList<>();
        for (String n : names) {
            VolumeGroup vg = all.get(n);
            if (vg == null) {
                throw new VolumeException(ErrorCode.VG_NOT_FOUND, "Volume group \"" + n + "\" not found");
            }
            if (!out.contains(vg)) {
                out.add(vg);
            }
        }
        out.sort(Comparator.comparing(VolumeGroup::name));
        return out;
    }

    private static <T> Report build(String type, List<ReportField<T>> known, List<String> defaults,
                                    ReportOptions options, List<T> rows) {
        if (options.fields() != null && options.fields().strip().equals("help")) {
            return new Report(type, List.of("field", "heading"), List.of("Field", "Heading"), Set.of(), List.of(0, 0),
                    known.stream().map(f -> List.of(f.name(), f.heading())).toList());
        }
        List<ReportField<T>> columns = new ArrayList<>();
        for (String name : columnNames(defaults, options.fields())) {
            columns.add(field(known, type, name));
        }
        List<List<String>> values = new ArrayList<>();
        for (T row : rows) {
            List<String> line = new ArrayList<>();
            columns.forEach(c -> line.add(c.value().apply(row, options.units())));
            values.add(line);
        }
        Set<String> right = new HashSet<>();
        columns.stream().filter(ReportField::rightAligned).forEach(c -> right.add(c.name()));
        return new Report(type, columns.stream().map(ReportField::name).toList(),
                columns.stream().map(ReportField::heading).toList(), right,
                columns.stream().map(ReportField::minWidth).toList(), values);
    }

    /**
     * The field {@code name} names: exactly, else ignoring case and underscores (as LVM takes {@code regionsize}), with
     * the report's prefix ({@code lv_}, {@code vg_}, {@code pv_}; {@code lv_} for segments) optional ({@code size}).
     */
    private static <T> ReportField<T> field(List<ReportField<T>> known, String type, String name) {
        String prefix = type.equals("seg") ? "lv" : type;
        String wanted = normalized(name);
        return known.stream().filter(f -> f.name().equals(name)).findFirst()
                .or(() -> known.stream().filter(f -> normalized(f.name()).equals(wanted)).findFirst())
                .or(() -> known.stream().filter(f -> normalized(f.name()).equals(prefix + wanted)).findFirst())
                .orElseThrow(() -> new VolumeException(ErrorCode.INVALID_ARGUMENT, "Unrecognised field: " + name
                        + " (-o help lists the fields)"));
    }

    private static String normalized(String name) {
        return name.replace("_", "").toLowerCase(java.util.Locale.ROOT);
    }

    private static List<String> columnNames(List<String> defaults, String spec) {
        if (spec == null || spec.isBlank()) {
            return defaults;
        }
        boolean add = spec.startsWith("+");
        List<String> out = new ArrayList<>(add ? defaults : List.of());
        for (String f : (add ? spec.substring(1) : spec).split(",")) {
            String name = f.strip();
            if (!name.isEmpty() && !out.contains(name)) {
                out.add(name);
            }
        }
        return out;
    }
}
