package dev.ferry.daemon.api;

import static dev.ferry.daemon.api.RequestBodies.required;

import dev.ferry.daemon.control.ControlErrors;
import dev.ferry.daemon.control.ControlRequest;
import dev.ferry.daemon.control.ControlResponse;
import dev.ferry.daemon.control.ControlRouter;
import dev.ferry.daemon.activation.ActivationMode;
import dev.ferry.daemon.model.AllocationPolicy;
import dev.ferry.daemon.model.LogicalVolume;
import dev.ferry.daemon.model.ErrorCode;
import dev.ferry.daemon.model.LvCreateRequest;
import dev.ferry.daemon.model.MirrorLayout;
import dev.ferry.daemon.model.MirrorLogType;
import dev.ferry.daemon.model.MirrorWriteConsistency;
import dev.ferry.daemon.model.VolumeException;
import dev.ferry.daemon.model.LvResizeRequest;
import dev.ferry.daemon.model.PvInfo;
import dev.ferry.daemon.model.PvUri;
import dev.ferry.daemon.model.SegmentType;
import dev.ferry.daemon.model.VolumeGroup;
import dev.ferry.daemon.model.report.ReportOptions;
import dev.ferry.daemon.model.report.Units;
import dev.ferry.daemon.operations.VolumeOperations;
import dev.ferry.daemon.policy.AllowedPaths;
import io.netty.handler.codec.http.HttpMethod;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The mutating LVM routes over {@link VolumeOperations}; each answers a small JSON document about the
 * object it touched (sizes in bytes) for the CLI's LVM-style messages.
 *
 * <pre>
 *  POST   /v1/pvs                          {"path","size"?,"force"?}           201 pv      (pvcreate)
 *  DELETE /v1/pvs?path=P                                                      200 pv      (pvremove)
 *  POST   /v1/vgs                          {"name","pvs","extent_size"?}       201 vg      (vgcreate)
 *  POST   /v1/vgs/{vg}/extend|reduce       {"pvs"}                             200 vg
 *  POST   /v1/vgs/{vg}/extend              {"pvs":[PV],"restore_missing":true} 200 vg      (--restoremissing)
 *  POST   /v1/vgs/{vg}/reduce              {"remove_missing":true,"force"?}    200 vg      (--removemissing)
 *  DELETE /v1/vgs/{vg}?force=                                                 200 vg_name (vgremove)
 *  POST   /v1/vgs/{vg}/lvs                 {"name"?,"size"|"extents","type"?,"stripes"?,"stripe_size"?,
 *                                           "mirrors"?,"region_size"?,"mirror_log"?,"mwc"?,"nosync"?,
 *                                           "alloc"?,"pvs"?}                   201 lv      (lvcreate)
 *  POST   /v1/vgs/{vg}/lvs/{lv}/resize     {"mode","size"|"extents","alloc"?,"pvs"?,"force"?}  200 lv + lv_size_before
 *  POST   /v1/vgs/{vg}/lvs/{lv}/rename     {"name","force"?}                   200 lv + lv_old_name
 *  POST   /v1/vgs/{vg}/lvs/{lv}/convert    {"mirrors"|"repair":true,"mirror_log"?,"mwc"?,"alloc"?,"pvs"?}
 *                                          (without mirrors and repair: switches mwc / mirror_log, lvchange --mwc;
 *                                           "max_recovery_rate": limits its resync, lvchange --maxrecoveryrate)
 *                                                                              200 lv + lv_stale_extents (lvconvert)
 *  POST   /v1/vgs/{vg}/lvs/{lv}/activate?activationmode=complete|degraded|partial
 *                                                                              200 {"vg_name","lv_name","active"}
 *  POST   /v1/vgs/{vg}/lvs/{lv}/deactivate?force=                              200 {"vg_name","lv_name","active"}
 *  DELETE /v1/vgs/{vg}/lvs/{lv}?force=                                        200 lv_name (lvremove)
 * </pre>
 */
public final class VolumeRoutes {
    private static final Units BYTES = new Units('b', false);
    private final VolumeOperations ops;
    private final AllowedPaths paths;

    private VolumeRoutes(VolumeOperations ops, AllowedPaths paths) {
        this.ops = ops;
        this.paths = paths;
    }

    /**
     * Adds the routes to {@code router}; the PV paths of pvcreate, vgcreate and vgextend must pass {@code paths}, and
     * are used resolved.
     */
    public static void install(ControlRouter router, VolumeOperations ops, AllowedPaths paths) {
        VolumeRoutes r = new VolumeRoutes(ops, paths);
        router.add(HttpMethod.POST, "/v1/pvs", r::pvcreate);
        router.add(HttpMethod.DELETE, "/v1/pvs", r::pvremove);
        router.add(HttpMethod.POST, "/v1/vgs", r::vgcreate);
        router.add(HttpMethod.POST, "/v1/vgs/{vg}/extend", r::vgextend);
        router.add(HttpMethod.POST, "/v1/vgs/{vg}/reduce", r::vgreduce);
        router.add(HttpMethod.DELETE, "/v1/vgs/{vg}", q -> {
            ops.vgremove(q.pathParam("vg"), q.queryFlag("force", false));
            return Map.of("vg_name", q.pathParam("vg"));
        });
        router.add(HttpMethod.POST, "/v1/vgs/{vg}/lvs", r::lvcreate);
        router.add(HttpMethod.POST, "/v1/vgs/{vg}/lvs/{lv}/resize", r::lvresize);
        router.add(HttpMethod.POST, "/v1/vgs/{vg}/lvs/{lv}/rename", r::lvrename);
        router.add(HttpMethod.POST, "/v1/vgs/{vg}/lvs/{lv}/convert", r::lvconvert);
        router.add(HttpMethod.POST, "/v1/vgs/{vg}/lvs/{lv}/activate", q -> {
            ops.activate(q.pathParam("vg"), q.pathParam("lv"), activationMode(q));
            return names(q, true);
        });
        router.add(HttpMethod.POST, "/v1/vgs/{vg}/lvs/{lv}/deactivate", q -> {
            ops.deactivate(q.pathParam("vg"), q.pathParam("lv"), q.queryFlag("force", false));
            return names(q, false);
        });
        router.add(HttpMethod.DELETE, "/v1/vgs/{vg}/lvs/{lv}", q -> {
            ops.lvremove(q.pathParam("vg"), q.pathParam("lv"), q.queryFlag("force", false));
            return names(q, null);
        });
    }

    private Object pvcreate(ControlRequest q) {
        RequestBodies.PvCreate b = q.bodyAs(RequestBodies.PvCreate.class);
        Long size = b.size() == null ? null : Sizes.bytes(b.size(), 'm', "size");
        PvInfo pv = ops.pvcreate(checked(required(b.path(), "path")), size,
            Boolean.TRUE.equals(b.force()));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("pv_name", pv.path());
        out.put("pv_uuid", pv.uuid().toString());
        out.put("dev_size", pv.deviceSize());
        out.put("pe_start", pv.peStart());
        return ControlResponse.json(201, out);
    }

    private Object pvremove(ControlRequest q) {
        String path = q.query("path").filter(p -> !p.isEmpty())
            .orElseThrow(() -> ControlErrors.invalidArgument("query parameter 'path' is required"));
        String checked = checked(path);
        ops.pvremove(checked);
        return Map.of("pv_name", checked);
    }

    private Object vgcreate(ControlRequest q) {
        RequestBodies.VgCreate b = q.bodyAs(RequestBodies.VgCreate.class);
        Long extentSize = b.extentSize() == null ? null : Sizes.bytes(b.extentSize(), 'm', "extent size");
        return ControlResponse.json(201, vg(ops.vgcreate(required(b.name(), "name"), checked(required(b.pvs(), "pvs")),
            extentSize)));
    }

    private Object lvcreate(ControlRequest q) {
        RequestBodies.LvCreate b = q.bodyAs(RequestBodies.LvCreate.class);
        String vg = q.pathParam("vg");
        LvCreateRequest request = new LvCreateRequest(vg, b.name(), Sizes.lvSize(b.size(), b.extents()),
            b.type() == null ? null : SegmentType.parse(b.type()),
            b.stripes() == null ? 0 : b.stripes(),
            b.stripeSize() == null ? 0 : Sizes.bytes(b.stripeSize(), 'k', "stripe size"),
            b.mirrors() == null ? -1 : b.mirrors(),
            b.regionSize() == null ? 0 : Sizes.bytes(b.regionSize(), 'm', "region size"),
            alloc(b.alloc()), b.pvs(), mirrorWriteConsistency(b.mirrorLog(), b.mwc()), Boolean.TRUE.equals(b.nosync()),
            "mirrored".equals(b.mirrorLog()));
        return ControlResponse.json(201, lv(vg, ops.lvcreate(request)));
    }

    /**
     * {@code --mirrorlog disk|core|mirrored} and {@code --mwc active|passive|off} as one consistency (null: default).
     */
    private static MirrorWriteConsistency mirrorWriteConsistency(String mirrorLog, String mwc) {
        MirrorWriteConsistency fromLog = mirrorLog == null ? null : MirrorLogType.parse(mirrorLog).consistency();
        MirrorWriteConsistency fromMwc = mwc == null ? null : MirrorWriteConsistency.parse(mwc);
        if (fromLog != null && fromMwc != null && fromLog != fromMwc) {
            throw new VolumeException(ErrorCode.INVALID_ARGUMENT, "--mirrorlog " + mirrorLog + " contradicts --mwc "
                    + mwc + " (disk and mirrored are active, core is passive)");
        }
        return fromMwc != null ? fromMwc : fromLog;
    }

    private Object lvresize(ControlRequest q) {
        RequestBodies.LvResize b = q.bodyAs(RequestBodies.LvResize.class);
        String vg = q.pathParam("vg");
        String lvName = q.pathParam("lv");
        LvResizeRequest request = new LvResizeRequest(vg, lvName, Sizes.lvSize(b.size(), b.extents()),
            alloc(b.alloc()), b.pvs());
        long before = lvBytes(vg, lvName);
        LogicalVolume lv = switch (required(b.mode(), "mode")) {
            case "extend" -> ops.lvextend(request);
            case "reduce" -> ops.lvreduce(request, Boolean.TRUE.equals(b.force()));
            case "resize" -> ops.lvresize(request, Boolean.TRUE.equals(b.force()));
            default -> throw ControlErrors.invalidArgument("mode must be extend, reduce or resize, got '"
                + b.mode() + "'");
        };
        Map<String, Object> out = lv(vg, lv);
        out.put("lv_size_before", before);
        return out;
    }

    private Object lvrename(ControlRequest q) {
        RequestBodies.LvRename b = q.bodyAs(RequestBodies.LvRename.class);
        String vg = q.pathParam("vg");
        Map<String, Object> out = lv(vg, ops.lvrename(vg, q.pathParam("lv"), required(b.name(), "name"),
            Boolean.TRUE.equals(b.force())));
        out.put("lv_old_name", q.pathParam("lv"));
        return out;
    }

    private Object lvconvert(ControlRequest q) {
        RequestBodies.LvConvert b = q.bodyAs(RequestBodies.LvConvert.class);
        String vg = q.pathParam("vg");
        String lvName = q.pathParam("lv");
        LogicalVolume lv;
        if (Boolean.TRUE.equals(b.repair())) {
            lv = ops.lvrepair(vg, lvName, b.pvs());
        } else if (b.maxRecoveryRate() != null) {
            String rate = b.maxRecoveryRate().strip();
            lv = ops.lvchangeRecoveryRate(vg, lvName, rate.matches("0+[bBsSkKmMgGtTpPeE]?") ? 0
                : Sizes.bytes(rate, 'k', "recovery rate")); // 0 (in any unit) lifts the limit, as in LVM
        } else if (b.mirrors() == null && b.mirrorLog() != null) {
            mirrorWriteConsistency(b.mirrorLog(), b.mwc());   // refuses a contradicting --mwc
            lv = ops.lvconvertMirrorLog(vg, lvName, MirrorLogType.parse(b.mirrorLog()), alloc(b.alloc()));
        } else if (b.mirrors() == null && b.mwc() != null) {
            lv = ops.lvchangeMwc(vg, lvName, mirrorWriteConsistency(null, b.mwc()));
        } else {
            if ("mirrored".equals(b.mirrorLog())) {
                throw new VolumeException(ErrorCode.INVALID_ARGUMENT, "lvconvert -m takes --mirrorlog disk or core; "
                        + "give the mirror a mirrored log afterwards with lvconvert --mirrorlog mirrored");
            }
            lv = ops.lvconvert(vg, lvName, required(b.mirrors(), "mirrors"), mirrorWriteConsistency(b.mirrorLog(),
                    b.mwc()), alloc(b.alloc()), b.pvs());
        }
        Map<String, Object> out = lv(vg, lv);
        out.put("lv_copies", lv.copies());
        out.put("lv_stale_extents", MirrorLayout.staleCopies(lv));
        return out;
    }

    /** {@code {"vg_name","lv_name"}} of the route, plus {@code "active"} unless null. */
    private static Map<String, Object> names(ControlRequest q, Boolean active) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("vg_name", q.pathParam("vg"));
        out.put("lv_name", q.pathParam("lv"));
        if (active != null) {
            out.put("active", active);
        }
        return out;
    }

    private Object vgextend(ControlRequest q) {
        RequestBodies.VgExtend b = q.bodyAs(RequestBodies.VgExtend.class);
        List<String> pvs = checked(required(b.pvs(), "pvs"));
        if (!Boolean.TRUE.equals(b.restoreMissing())) {
            return vg(ops.vgextend(q.pathParam("vg"), pvs));
        }
        if (pvs.size() != 1) {
            throw ControlErrors.invalidArgument("restore_missing takes one PV, not " + pvs.size());
        }
        return vg(ops.vgextendRestoreMissing(q.pathParam("vg"), pvs.get(0)));
    }

    private Object vgreduce(ControlRequest q) {
        RequestBodies.VgReduce b = q.bodyAs(RequestBodies.VgReduce.class);
        if (Boolean.TRUE.equals(b.removeMissing())) {
            if (b.pvs() != null && !b.pvs().isEmpty()) {
                throw ControlErrors.invalidArgument("remove_missing takes no PVs");
            }
            return vg(ops.vgreduceMissing(q.pathParam("vg"), Boolean.TRUE.equals(b.force())));
        }
        return vg(ops.vgreduce(q.pathParam("vg"), required(b.pvs(), "pvs")));
    }

    private static ActivationMode activationMode(ControlRequest q) {
        try {
            return q.query("activationmode").map(ActivationMode::parse).orElse(ActivationMode.DEGRADED);
        } catch (IllegalArgumentException e) {
            throw ControlErrors.invalidArgument(e.getMessage());
        }
    }

    private List<String> checked(List<String> pvPaths) {
        return pvPaths.stream().map(this::checked).toList();
    }

    /**
     * A PV path resolved and checked against the allowed directories; a remote PV's URI is not a path and passes as
     * it is (the volume model parses it: see daemon/docs/remote-pvs.md for why any host may be named).
     */
    private String checked(String pvPath) {
        return PvUri.isUri(pvPath) ? pvPath : paths.check(pvPath, "PV path").toString();
    }

    private static AllocationPolicy alloc(String text) {
        return text == null ? null : AllocationPolicy.parse(text);
    }

    private static Map<String, Object> vg(VolumeGroup vg) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("vg_name", vg.name());
        out.put("vg_uuid", vg.uuid().toString());
        out.put("vg_seqno", vg.seqno());
        out.put("vg_extent_size", vg.extentSize());
        out.put("vg_extent_count", vg.extentCount());
        out.put("pv_count", vg.pvs().size());
        out.put("pvs", vg.pvs().stream().map(pv -> pv.name()).toList());
        return out;
    }

    private Map<String, Object> lv(String vg, LogicalVolume lv) {
        long extentSize = Long.parseLong(ops.vgs(new ReportOptions(false, "vg_extent_size", BYTES, false, List.of(vg)))
            .column("vg_extent_size").get(0));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("vg_name", vg);
        out.put("lv_name", lv.name());
        out.put("lv_uuid", lv.uuid().toString());
        out.put("lv_size", lv.extentCount() * extentSize);
        out.put("lv_extent_count", lv.extentCount());
        out.put("vg_extent_size", extentSize);
        out.put("segtype", lv.segments().get(0).type().lvmName());
        out.put("lv_copies", lv.copies());
        return out;
    }

    private long lvBytes(String vg, String lv) {
        return Long.parseLong(ops.lvs(new ReportOptions(true, "lv_size", BYTES, false, List.of(vg + "/" + lv)))
            .column("lv_size").get(0));
    }
}
