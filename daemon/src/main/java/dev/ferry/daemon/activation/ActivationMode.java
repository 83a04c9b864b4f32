package dev.ferry.daemon.activation;

import dev.ferry.daemon.model.LogicalVolume;
import dev.ferry.daemon.model.Segment;
import dev.ferry.daemon.model.VolumeGroup;
import java.util.Locale;
import java.util.Optional;

/**
 * Which LVs may be activated while PVs are missing (LVM's {@code --activationmode}): {@link #COMPLETE} only LVs with
 * nothing on a missing PV, {@link #DEGRADED} (the default) also mirrored LVs that keep a good copy of every extent,
 * {@link #PARTIAL} every LV, the extents on missing PVs failing with EIO.
 */
public enum ActivationMode {
    /** Nothing on a missing PV. */
    COMPLETE,
    /** Mirrors with a good copy of every extent too. */
    DEGRADED,
    /** Everything; extents without a copy fail. */
    PARTIAL;

    /** Parses {@code complete}, {@code degraded} or {@code partial}. */
    public static ActivationMode parse(String text) {
        for (ActivationMode m : values()) {
            if (m.name().toLowerCase(Locale.ROOT).equals(text)) {
                return m;
            }
        }
        throw new IllegalArgumentException("Invalid activation mode '" + text + "': use complete, degraded or partial");
    }

    /** Why {@code lv} may not be activated in this mode, or empty if it may. */
    public Optional<String> refusal(VolumeGroup vg, LogicalVolume lv) {
        if (this == PARTIAL) {
            return Optional.empty();
        }
        for (Segment s : lv.segments()) {
            boolean touchesMissing = LvTables.tableAreas(vg, s).stream().anyMatch(a -> LvTables.missing(vg, a));
            if (!touchesMissing) {
                continue;
            }
            boolean goodCopy = s.areas().stream().anyMatch(a -> !a.stale() && !LvTables.missing(vg, a));
            if (this == COMPLETE || !lv.mirrored() || !goodCopy) {
                return Optional.of("LV " + vg.name() + "/" + lv.name() + " has extents " + s.startLe() + "-"
                        + (s.endLe() - 1) + " on a missing PV" + (lv.mirrored() && goodCopy ? ""
                        : " with no good copy elsewhere") + "; activation mode " + name().toLowerCase(Locale.ROOT)
                        + " refuses it (activation mode partial serves the rest and fails those extents)");
            }
        }
        return Optional.empty();
    }
}
