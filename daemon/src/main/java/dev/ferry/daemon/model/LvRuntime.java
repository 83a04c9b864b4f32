package dev.ferry.daemon.model;

import java.util.OptionalDouble;

/** Live state of LVs known only to the activation layer (active, open, mirror sync), for reports and refusals. */
public interface LvRuntime {
    /** No activation layer: every LV is inactive and closed. */
    LvRuntime NONE = new LvRuntime() {
    };

    /** True if the LV has an active mapped device. */
    default boolean isActive(String vg, String lv) {
        return false;
    }

    /** True if a client has the LV's export open. */
    default boolean isOpen(String vg, String lv) {
        return false;
    }

    /** Mirror/pvmove synchronisation in percent, if the LV is active and mirrored. */
    default OptionalDouble copyPercent(String vg, String lv) {
        return OptionalDouble.empty();
    }

    /** One health character per leg of an active mirrored LV (dm's: A alive, D/F/S/R failed), else "". */
    default String legHealth(String vg, String lv) {
        return "";
    }
}
