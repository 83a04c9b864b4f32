package dev.ferry.daemon.model;

import java.util.List;

/** Arguments of {@code lvresize}/{@code lvextend}/{@code lvreduce}: the new size, {@code --alloc}, PV list. */
public record LvResizeRequest(String vg, String lv, SizeSpec size, AllocationPolicy alloc, List<String> pvs) {
    /** Copies the PV list. */
    public LvResizeRequest {
        pvs = pvs == null ? List.of() : List.copyOf(pvs);
    }

    /** A resize with default policy and no PV restriction. */
    public static LvResizeRequest of(String vg, String lv, SizeSpec size) {
        return new LvResizeRequest(vg, lv, size, null, List.of());
    }
}
