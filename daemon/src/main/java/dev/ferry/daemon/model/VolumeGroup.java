package dev.ferry.daemon.model;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.UnaryOperator;

/** A volume group: the unit of one metadata document, with its PVs and LVs; {@code seqno} counts commits. */
public record VolumeGroup(String name, UUID uuid, long seqno, long extentSize, AllocationPolicy alloc,
                          Set<VgFlag> status, List<PhysicalVolume> pvs, List<LogicalVolume> lvs) {

    /** Copies collections. */
    public VolumeGroup {
        status = status.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(status));
        pvs = List.copyOf(pvs);
        lvs = List.copyOf(lvs);
    }

    /** A new, empty-of-LVs VG at seqno 0 (the first commit makes it 1). */
    public static VolumeGroup create(String name, long extentSize, List<PhysicalVolume> pvs) {
        return new VolumeGroup(name, UUID.randomUUID(), 0, extentSize, AllocationPolicy.NORMAL,
                EnumSet.of(VgFlag.READ, VgFlag.WRITE, VgFlag.RESIZEABLE), pvs, List.of());
    }

    /** The PV with {@code uuid}, if a member. */
    public Optional<PhysicalVolume> pv(UUID pvUuid) {
        return pvs.stream().filter(p -> p.uuid().equals(pvUuid)).findFirst();
    }

    /** The PV at {@code path}, if a member. */
    public Optional<PhysicalVolume> pvByName(String path) {
        return pvs.stream().filter(p -> p.name().equals(path)).findFirst();
    }

    /** The LV named {@code lvName}, if any. */
    public Optional<LogicalVolume> lv(String lvName) {
        return lvs.stream().filter(l -> l.name().equals(lvName)).findFirst();
    }

    /**
     * The LV named {@code lvName}.
     *
     * @throws VolumeException LV_NOT_FOUND if there is none
     */
    public LogicalVolume requireLv(String lvName) {
        return lv(lvName).orElseThrow(() -> new VolumeException(ErrorCode.LV_NOT_FOUND, "Logical volume "
                + name + "/" + lvName + " not found"));
    }

    /** Total extents of all PVs. */
    public long extentCount() {
        return pvs.stream().mapToLong(PhysicalVolume::peCount).sum();
    }

    /** The same VG with {@code newSeqno}. */
    public VolumeGroup withSeqno(long newSeqno) {
        return new VolumeGroup(name, uuid, newSeqno, extentSize, alloc, status, pvs, lvs);
    }

    /** The same VG with other PVs. */
    public VolumeGroup withPvs(List<PhysicalVolume> newPvs) {
        return new VolumeGroup(name, uuid, seqno, extentSize, alloc, status, newPvs, lvs);
    }

    /** The same VG with other LVs. */
    public VolumeGroup withLvs(List<LogicalVolume> newLvs) {
        return new VolumeGroup(name, uuid, seqno, extentSize, alloc, status, pvs, newLvs);
    }

    /** The same VG with {@code lv} appended. */
    public VolumeGroup withLvAdded(LogicalVolume lv) {
        List<LogicalVolume> list = new ArrayList<>(lvs);
        list.add(lv);
        return withLvs(list);
    }

    /** The same VG with the LV named {@code lvName} replaced by {@code change.apply(it)} (removed if null). */
    public VolumeGroup withLvChanged(String lvName, UnaryOperator<LogicalVolume> change) {
        List<LogicalVolume> list = new ArrayList<>();
        for (LogicalVolume lv : lvs) {
            LogicalVolume next = lv.name().equals(lvName) ? change.apply(lv) : lv;
            if (next != null) {
                list.add(next);
            }
        }
        return withLvs(list);
    }
}
