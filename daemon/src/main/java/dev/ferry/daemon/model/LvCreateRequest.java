package dev.ferry.daemon.model;

import java.util.List;

/**
 * Arguments of {@code lvcreate}: {@code -n name} (null: lvolN), {@code -L}/{@code -l} as {@link SizeSpec},
 * {@code --type} (null: from -i/-m), {@code -i stripes} (0: unset), {@code -I stripeSize} bytes (0: 64 KiB),
 * {@code -m mirrors} (-1: unset), {@code -R regionSize} bytes (0: 2 MiB), {@code --alloc} (null: inherit), the
 * {@code PV[:PE-range]} arguments, and for mirrors {@code --mwc}/{@code --mirrorlog} as a
 * {@link MirrorWriteConsistency} (null: active, a disk log), {@code --nosync}, and {@code --mirrorlog mirrored}
 * ({@code mirroredLog}: the active consistency's log LV is itself a two-way mirror).
 */
public record LvCreateRequest(String vg, String name, SizeSpec size, SegmentType type, int stripes, long stripeSize,
                              int mirrors, long regionSize, AllocationPolicy alloc, List<String> pvs,
                              MirrorWriteConsistency mwc, boolean nosync, boolean mirroredLog) {
    /** Copies the PV list. */
    public LvCreateRequest {
        pvs = pvs == null ? List.of() : List.copyOf(pvs);
    }

    /** With a disk log for active consistency. */
    public LvCreateRequest(String vg, String name, SizeSpec size, SegmentType type, int stripes, long stripeSize,
                           int mirrors, long regionSize, AllocationPolicy alloc, List<String> pvs,
                           MirrorWriteConsistency mwc, boolean nosync) {
        this(vg, name, size, type, stripes, stripeSize, mirrors, regionSize, alloc, pvs, mwc, nosync, false);
    }

    /** Without mirror options (a mirror then gets an active disk log and an initial copy). */
    public LvCreateRequest(String vg, String name, SizeSpec size, SegmentType type, int stripes, long stripeSize,
                           int mirrors, long regionSize, AllocationPolicy alloc, List<String> pvs) {
        this(vg, name, size, type, stripes, stripeSize, mirrors, regionSize, alloc, pvs, null, false, false);
    }

    /** A linear LV of {@code size} with defaults for everything else. */
    public static LvCreateRequest linear(String vg, String name, SizeSpec size) {
        return new LvCreateRequest(vg, name, size, null, 0, 0, -1, 0, null, List.of());
    }
}
