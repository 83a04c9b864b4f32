package dev.ferry.daemon.model;

import java.util.Locale;

/** LVM allocation policies, strictest first; {@link #INHERIT} takes the VG's policy. */
public enum AllocationPolicy {
    /** Each new area is physically contiguous with the previous one and not split. */
    CONTIGUOUS('c'),
    /** New extents go on the PVs of the same stripe/leg of the LV's last segment. */
    CLING('l'),
    /** Parallel areas (stripes, mirror legs) never share a PV. */
    NORMAL('n'),
    /** Any free extent, even parallel areas on one PV. */
    ANYWHERE('a'),
    /** Use the VG's policy. */
    INHERIT('i');

    private final char attr;

    AllocationPolicy(char attr) {
        this.attr = attr;
    }

    /** The character LVM shows in lv_attr/vg_attr. */
    public char attrChar() {
        return attr;
    }

    /** The CLI spelling ({@code normal}, {@code cling}, ...). */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses the CLI spelling. */
    public static AllocationPolicy parse(String text) {
        for (AllocationPolicy p : values()) {
            if (p.cliName().equals(text)) {
                return p;
            }
        }
        throw new VolumeException(ErrorCode.INVALID_ARGUMENT,
                "Invalid allocation policy '" + text + "': use contiguous, cling, normal, anywhere or inherit");
    }

    /** True if this policy is at least as strict as {@code other}. */
    public boolean atLeastAsStrictAs(AllocationPolicy other) {
        return ordinal() <= other.ordinal();
    }
}
