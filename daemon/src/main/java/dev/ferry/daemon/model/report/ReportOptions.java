package dev.ferry.daemon.model.report;

import java.util.List;

/**
 * Options shared by pvs/vgs/lvs: {@code -a} (hidden LVs), {@code -o} ({@code +f1,f2} adds to the default
 * columns, {@code f1,f2} replaces them; null for defaults), {@code --units}, {@code --segments} (lvs only) and
 * the names to report (PV paths, VG names, or {@code VG}/{@code VG/LV} for lvs; empty for all).
 */
public record ReportOptions(boolean all, String fields, Units units, boolean segments, List<String> names) {
    /** Copies the names and defaults the units. */
    public ReportOptions {
        names = names == null ? List.of() : List.copyOf(names);
        units = units == null ? Units.HUMAN : units;
    }

    /** LVM's defaults: visible objects, default columns, human units. */
    public static ReportOptions defaults() {
        return new ReportOptions(false, null, Units.HUMAN, false, List.of());
    }
}
