package dev.ferry.daemon.api;

import dev.ferry.daemon.activation.ActivationMode;
import dev.ferry.daemon.model.AllocationPolicy;
import dev.ferry.daemon.model.ErrorCode;
import dev.ferry.daemon.model.FreeSpaceMap;
import dev.ferry.daemon.model.LogicalVolume;
import dev.ferry.daemon.model.LvCreateRequest;
import dev.ferry.daemon.model.LvResizeRequest;
import dev.ferry.daemon.model.MirrorConversions;
import dev.ferry.daemon.model.MirrorLogType;
import dev.ferry.daemon.model.MirrorWriteConsistency;
import dev.ferry.daemon.model.PvInfo;
import dev.ferry.daemon.model.VolumeException;
import dev.ferry.daemon.model.VolumeGroup;
import dev.ferry.daemon.model.VolumeManager;
import dev.ferry.daemon.model.report.Report;
import dev.ferry.daemon.model.report.ReportOptions;
import dev.ferry.daemon.model.report.Reporter;
import dev.ferry.daemon.operations.VolumeOperations;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * {@link VolumeOperations} straight over a {@link VolumeManager} and its {@link Reporter}, without an
 * activation layer: every LV is inactive and closed, so {@code force} changes nothing and activation is
 * refused.
 */
public final class ManagerVolumeOperations implements VolumeOperations {
    private final VolumeManager manager;
    private final Reporter reporter;

    /** Operations over {@code manager}, which the caller keeps open and closes. */
    public ManagerVolumeOperations(VolumeManager manager) {
        this.manager = Objects.requireNonNull(manager, "manager");
        this.reporter = new Reporter(manager);
    }

    @Override
    public PvInfo pvcreate(String path, Long size, boolean force) {
        return manager.pvcreate(path, size, force);
    }

    @Override
    public void pvremove(String path) {
        manager.pvremove(path);
    }

    @Override
    public VolumeGroup vgcreate(String name, List<String> pvPaths, Long extentSize) {
        return manager.vgcreate(name, pvPaths, extentSize);
    }

    @Override
    public VolumeGroup vgextend(String vgName, List<String> pvPaths) {
        return manager.vgextend(vgName, pvPaths);
    }

    @Override
    public VolumeGroup vgextendRestoreMissing(String vgName, String pvPath) {
        return manager.vgextendRestoreMissing(vgName, pvPath, pv -> { });
    }

    @Override
    public VolumeGroup vgreduce(String vgName, List<String> pvPaths) {
        return manager.vgreduce(vgName, pvPaths);
    }

    @Override
    public void vgremove(String vgName, boolean force) {
        manager.vgremove(vgName, force);
    }

    @Override
    public LogicalVolume lvcreate(LvCreateRequest request) {
        return manager.lvcreate(request);
    }

    @Override
    public LogicalVolume lvextend(LvResizeRequest request) {
        return manager.lvextend(request);
    }

    @Override
    public LogicalVolume lvreduce(LvResizeRequest request, boolean force) {
        return manager.lvreduce(request);
    }

    @Override
    public LogicalVolume lvresize(LvResizeRequest request, boolean force) {
        return manager.lvresize(request);
    }

    @Override
    public void lvremove(String vgName, String lvName, boolean force) {
        manager.lvremove(vgName, lvName, force);
    }

    @Override
    public LogicalVolume lvconvert(String vgName, String lvName, int mirrors,
            MirrorWriteConsistency mwc, AllocationPolicy alloc,
            List<String> pvs) {
        return manager.updateVolumeGroup(vgName, g -> MirrorConversions.withCopies(g, lvName,
                mirrors + 1, mwc, FreeSpaceMap.of(g).copy(),
                alloc == null ? g.alloc() : alloc, Set.of())).requireLv(lvName);
    }

    @Override
    public VolumeGroup vgreduceMissing(String vgName, boolean force) {
        return manager.vgreduceMissing(vgName, force);
    }

    @Override
    public LogicalVolume lvchangeMwc(String vgName, String lvName, MirrorWriteConsistency mwc) {
        return manager.updateVolumeGroup(vgName, g -> MirrorConversions.withConsistency(g, lvName, mwc,
                FreeSpaceMap.of(g).copy(), g.alloc())).requireLv(lvName);
    }

    @Override
    public LogicalVolume lvconvertMirrorLog(String vgName, String lvName, MirrorLogType type, AllocationPolicy alloc) {
        return manager.updateVolumeGroup(vgName, g -> MirrorConversions.withLogType(g, lvName, type,
                FreeSpaceMap.of(g).copy(), alloc == null ? g.alloc() : alloc)).requireLv(lvName);
    }

    @Override
    public LogicalVolume lvchangeRecoveryRate(String vgName, String lvName, long bytesPerSecond) {
        return manager.updateVolumeGroup(vgName, g -> g.withLvChanged(lvName,
                l -> l.withMirror(l.mirror().withRecoveryRate(bytesPerSecond)))).requireLv(lvName);
    }

    @Override
    public LogicalVolume lvrepair(String vgName, String lvName, List<String> pvs) {
        throw new VolumeException(ErrorCode.INVALID_ARGUMENT, "lvconvert --repair needs the activation layer");
    }

    @Override
    public LogicalVolume lvrename(String vgName, String oldName, String newName, boolean force) {
        return manager.lvrename(vgName, oldName, newName);
    }

    @Override
    public void activate(String vgName, String lvName, ActivationMode mode) {
        requireLv(vgName, lvName);
        throw new VolumeException(ErrorCode.INVALID_ARGUMENT, "Logical volume " + vgName + "/" + lvName
            + " cannot be activated: this daemon runs without an activation layer");
    }

    @Override
    public void deactivate(String vgName, String lvName, boolean force) {
        requireLv(vgName, lvName);
    }

    private void requireLv(String vgName, String lvName) {
        manager.requireVolumeGroup(vgName).requireLv(lvName);
    }

    @Override
    public Report pvs(ReportOptions options) {
        return reporter.pvs(options);
    }

    @Override
    public Report vgs(ReportOptions options) {
        return reporter.vgs(options);
    }

    @Override
    public Report lvs(ReportOptions options) {
        return reporter.lvs(options);
    }
}
