package dev.ferry.daemon.operations;

import dev.ferry.daemon.activation.ActivationMode;
import dev.ferry.daemon.model.AllocationPolicy;
import dev.ferry.daemon.model.LogicalVolume;
import dev.ferry.daemon.model.LvCreateRequest;
import dev.ferry.daemon.model.LvResizeRequest;
import dev.ferry.daemon.model.MirrorLogType;
import dev.ferry.daemon.model.MirrorWriteConsistency;
import dev.ferry.daemon.model.PvInfo;
import dev.ferry.daemon.model.VolumeException;
import dev.ferry.daemon.model.VolumeGroup;
import dev.ferry.daemon.model.report.Report;
import dev.ferry.daemon.model.report.ReportOptions;
import java.util.List;

/**
 * The LVM verbs and reports the control API serves, one method per command with
 * {@link dev.ferry.daemon.model.VolumeManager}'s semantics; implemented over a bare manager by
 * a plain VolumeManager adapter (in the API tests) and by {@link VolumeService} (which also keeps activation in step).
 * Refusals throw {@link VolumeException} with a stable {@link dev.ferry.daemon.model.ErrorCode}.
 */
public interface VolumeOperations {
    /** pvcreate: labels {@code path}; a missing file is created sparse with {@code size} bytes (null: none). */
    PvInfo pvcreate(String path, Long size, boolean force);

    /** pvremove: wipes the label of an orphan PV. */
    void pvremove(String path);

    /** vgcreate over orphan PVs with {@code extentSize} bytes per extent (null: 4 MiB). */
    VolumeGroup vgcreate(String name, List<String> pvPaths, Long extentSize);

    /** vgextend: adds orphan PVs. */
    VolumeGroup vgextend(String vgName, List<String> pvPaths);

    /**
     * vgextend --restoremissing: puts a missing PV that is back into use (see
     * {@link VolumeService#vgextendRestoreMissing}).
     */
    VolumeGroup vgextendRestoreMissing(String vgName, String pvPath);

    /** vgreduce: removes PVs that hold no extents. */
    VolumeGroup vgreduce(String vgName, List<String> pvPaths);

    /** vgremove: LVs are removed too only with {@code force}. */
    void vgremove(String vgName, boolean force);

    /** lvcreate. */
    LogicalVolume lvcreate(LvCreateRequest request);

    /** lvextend: grows only. */
    LogicalVolume lvextend(LvResizeRequest request);

    /** lvreduce: shrinks only; an LV with attached clients is refused (LV_OPEN) unless {@code force}. */
    LogicalVolume lvreduce(LvResizeRequest request, boolean force);

    /** lvresize: grows or shrinks; shrinking an LV with attached clients is refused unless {@code force}. */
    LogicalVolume lvresize(LvResizeRequest request, boolean force);

    /** lvremove: open LVs are refused unless {@code force}. */
    void lvremove(String vgName, String lvName, boolean force);

    /** lvrename within {@code vgName}; an LV with attached clients is refused unless {@code force}. */
    LogicalVolume lvrename(String vgName, String oldName, String newName, boolean force);

    /**
     * lvchange -ay: activates the LV (its mapped device and export); a no-op when active; with PVs missing,
     * {@code mode} decides whether it may.
     */
    void activate(String vgName, String lvName, ActivationMode mode);

    /** lvchange -an: deactivates the LV; refused (LV_OPEN) while clients are attached unless {@code force}. */
    void deactivate(String vgName, String lvName, boolean force);

    /** The pvs report. */
    Report pvs(ReportOptions options);

    /** The vgs report. */
    Report vgs(ReportOptions options);

    /** The lvs report. */
    Report lvs(ReportOptions options);

    /** lvconvert -m: changes the number of copies of an LV (see {@link VolumeService#lvconvert}). */
    LogicalVolume lvconvert(String vg, String lv, int mirrors, MirrorWriteConsistency mwc, AllocationPolicy alloc,
                            List<String> pvs);

    /** lvconvert --repair: replaces the legs of a mirrored LV on missing PVs. */
    LogicalVolume lvrepair(String vg, String lv, List<String> pvs);

    /** vgreduce --removemissing: drops the missing PVs (see {@link VolumeService#vgreduceMissing}). */
    VolumeGroup vgreduceMissing(String vg, boolean force);

    /** lvconvert --mirrorlog: gives a mirrored LV another region log (see {@link VolumeService#lvconvertMirrorLog}). */
    LogicalVolume lvconvertMirrorLog(String vg, String lv, MirrorLogType type, AllocationPolicy alloc);

    /** lvchange --mwc: switches a mirrored LV's write consistency (see {@link VolumeService#lvchangeMwc}). */
    LogicalVolume lvchangeMwc(String vg, String lv, MirrorWriteConsistency mwc);

    /** lvchange --maxrecoveryrate: limits a mirrored LV's resync copies, in bytes/s (0: none). */
    LogicalVolume lvchangeRecoveryRate(String vg, String lv, long bytesPerSecond);
}
