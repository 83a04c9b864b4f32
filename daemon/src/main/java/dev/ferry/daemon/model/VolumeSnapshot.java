package dev.ferry.daemon.model;

import java.util.List;
import java.util.Set;
import java.util.UUID;

/** A consistent copy of a manager's state: known PVs, VGs, and the UUIDs of PVs whose device is present. */
public record VolumeSnapshot(List<PvInfo> pvs, List<VolumeGroup> vgs, Set<UUID> presentPvs) {
    /** Copies the collections. */
    public VolumeSnapshot {
        pvs = List.copyOf(pvs);
        vgs = List.copyOf(vgs);
        presentPvs = Set.copyOf(presentPvs);
    }

    /** The same state with {@code other} as the PVs. */
    public VolumeSnapshot withPvs(List<PvInfo> other) {
        return new VolumeSnapshot(other, vgs, presentPvs);
    }
}
