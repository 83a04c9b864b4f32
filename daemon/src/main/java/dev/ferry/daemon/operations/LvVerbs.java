package dev.ferry.daemon.operations;

import dev.ferry.daemon.activation.ActivationMode;
import dev.ferry.daemon.model.ErrorCode;
import dev.ferry.daemon.model.FreeSpaceMap;
import dev.ferry.daemon.model.KnownPvs;
import dev.ferry.daemon.model.LogicalVolume;
import dev.ferry.daemon.model.LvCreateRequest;
import dev.ferry.daemon.model.LvResizeRequest;
import dev.ferry.daemon.model.PhysicalVolume;
import dev.ferry.daemon.model.Segment;
import dev.ferry.daemon.model.SegmentType;
import dev.ferry.daemon.model.SizeSpec;
import dev.ferry.daemon.model.VolumeException;
import dev.ferry.daemon.model.VolumeGroup;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The LV verbs that change an LV's activation, existence, size or name (lvchange -ay/-an, lvcreate, lvextend,
 * lvreduce, lvresize, lvrename, lvremove), each (but lvchange) a commit through the manager with the activation brought
 * in step: a new LV is activated, a resized one's live table swapped, a renamed one's device and export renamed, a
 * removed one's deactivated. Called under {@link VolumeService}'s lock.
 */
final class LvVerbs {
    /** The logger of {@link VolumeService}, whose verbs these are. */
    private static final Logger LOG = LoggerFactory.getLogger(VolumeService.class);

    private final VolumeService service;

    LvVerbs(VolumeService service) {
        this.service = service;
    }

    /** {@link VolumeService#activate}: lvchange -ay. */
    void activate(String vgName, String lvName, ActivationMode mode) {
        VolumeGroup vg = service.requireVg(vgName);
        LogicalVolume lv = vg.requireLv(lvName);
        if (!service.activator().isActive(vgName, lvName)) {
            mode.refusal(vg, lv).ifPresent(why -> {
                throw new VolumeException(ErrorCode.ACTIVATION_FAILED, why);
            });
            service.activator().activate(vg, lv);
            PassiveMirrors.markActive(service.manager(), service.activator());
        }
    }

    /** {@link VolumeService#deactivate}: lvchange -an. */
    void deactivate(String vgName, String lvName, boolean force) {
        service.requireVg(vgName).requireLv(lvName);
        service.activator().deactivate(vgName, lvName, force);
    }

    /** {@link VolumeService#lvcreate}: an LV that cannot be activated is removed again. */
    LogicalVolume create(LvCreateRequest request) {
        LogicalVolume lv = service.manager().lvcreate(request);
        VolumeGroup vg = service.requireVg(request.vg());
        try {
            service.activator().activate(vg, lv);
        } catch (VolumeException e) {
            LOG.error("lvcreate {}/{}: activation failed, removing the LV again", vg.name(), lv.name());
            service.manager().lvremove(vg.name(), lv.name(), true);
            throw e;
        }
        PassiveMirrors.markActive(service.manager(), service.activator());
        return lv;
    }

    /** {@link VolumeService#lvextend}. */
    LogicalVolume extend(LvResizeRequest request) {
        try (JobHolds held = service.held(request.vg(), List.of(request.lv()), "lvextend")) {
            return reloaded(service.manager().lvextend(request), request.vg());
        }
    }

    /** {@link VolumeService#lvreduce}. */
    LogicalVolume reduce(LvResizeRequest request, boolean force) {
        try (JobHolds held = service.held(request.vg(), List.of(request.lv()), "lvreduce")) {
            if (!force) {
                service.activator().requireClosed(request.vg(), request.lv());
            }
            return reloaded(service.manager().lvreduce(request), request.vg());
        }
    }

    /** {@link VolumeService#lvresize}. */
    LogicalVolume resize(LvResizeRequest request, boolean force) {
        try (JobHolds held = service.held(request.vg(), List.of(request.lv()), "lvresize")) {
            if (!force && service.activator().isOpen(request.vg(), request.lv()) && shrinks(request)) {
                service.activator().requireClosed(request.vg(), request.lv());
            }
            return reloaded(service.manager().lvresize(request), request.vg());
        }
    }

    /** {@link VolumeService#lvrename}. */
    LogicalVolume rename(String vgName, String oldName, String newName, boolean force) {
        try (JobHolds held = service.held(vgName, List.of(oldName), "lvrename")) {
            if (!force) {
                service.activator().requireClosed(vgName, oldName);
            }
            LogicalVolume lv = service.manager().lvrename(vgName, oldName, newName);
            service.activator().rename(service.requireVg(vgName), oldName, lv, force);
            service.names().renamed(vgName, oldName, newName);
            return lv;
        }
    }

    /** {@link VolumeService#lvremove}. */
    void remove(String vgName, String lvName, boolean force) {
        try (JobHolds held = service.held(vgName, List.of(lvName), "lvremove")) {
            service.manager().lvremove(vgName, lvName, force);
        }
        service.activator().deactivate(vgName, lvName, true);
        service.names().removed(vgName, lvName);
    }

    private LogicalVolume reloaded(LogicalVolume lv, String vgName) {
        service.activator().reload(service.requireVg(vgName), lv);
        return lv;
    }

    /** Whether {@code request} would make its LV smaller (as the planner resolves sizes). */
    private boolean shrinks(LvResizeRequest request) {
        SizeSpec size = request.size();
        if (size == null || size.sign() != SizeSpec.Sign.ABSOLUTE) {
            return size != null && size.sign() == SizeSpec.Sign.MINUS;
        }
        VolumeGroup vg = service.requireVg(request.vg());
        LogicalVolume lv = vg.lv(request.lv()).orElse(null);
        if (lv == null || lv.segments().isEmpty()) {
            return false;
        }
        Segment last = lv.lastSegment();
        int copies = last.type() == SegmentType.MIRROR ? last.areas().size() : 1;
        long pvsExtents = request.pvs().isEmpty() ? vg.extentCount() : request.pvs().stream()
                .map(p -> KnownPvs.canonical(p.contains(":") ? p.substring(0, p.indexOf(':')) : p))
                .distinct().flatMap(p -> vg.pvByName(p).stream()).mapToLong(PhysicalVolume::peCount).sum();
        long target = size.resolve(lv.extentCount(), vg.extentSize(), vg.extentCount(),
                FreeSpaceMap.of(vg).totalFree(), pvsExtents, copies);
        return target < lv.extentCount();
    }
}
