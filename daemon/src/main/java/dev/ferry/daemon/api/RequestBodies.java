package dev.ferry.daemon.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.ferry.daemon.control.ControlErrors;
import dev.ferry.daemon.control.ControlException;
import java.util.List;

/**
 * The JSON bodies of the volume and device-mapper routes, one record per request; sizes are LVM size
 * strings ({@code 10g}, {@code 512k}, {@code 100%FREE}) parsed by the daemon. Unknown properties are refused.
 */
final class RequestBodies {
    private RequestBodies() {
    }

    /** {@code POST /v1/pvs}: pvcreate. */
    record PvCreate(String path, String size, Boolean force) {
    }

    /** {@code POST /v1/vgs}: vgcreate. */
    record VgCreate(String name, List<String> pvs, @JsonProperty("extent_size") String extentSize) {
    }

    /** {@code POST /v1/vgs/{vg}/extend}: the PVs, with {@code restore_missing} one missing member to put back. */
    record VgExtend(List<String> pvs, @JsonProperty("restore_missing") Boolean restoreMissing) {
    }

    /** {@code POST /v1/vgs/{vg}/reduce}: the PVs, or {@code remove_missing} (with {@code force}). */
    record VgReduce(List<String> pvs, @JsonProperty("remove_missing") Boolean removeMissing, Boolean force) {
    }

    /** {@code POST /v1/vgs/{vg}/lvs}: lvcreate. */
    record LvCreate(String name, String size, String extents, String type, Integer stripes,
                    @JsonProperty("stripe_size") String stripeSize, Integer mirrors,
                    @JsonProperty("region_size") String regionSize, @JsonProperty("mirror_log") String mirrorLog,
                    String mwc, Boolean nosync, String alloc, List<String> pvs) {
    }

    /** {@code POST /v1/vgs/{vg}/lvs/{lv}/resize}: mode {@code extend}, {@code reduce} or {@code resize}. */
    record LvResize(String mode, String size, String extents, String alloc, List<String> pvs, Boolean force) {
    }

    /** {@code POST /v1/vgs/{vg}/lvs/{lv}/convert}: lvconvert -m N or --repair, lvchange --mwc or --maxrecoveryrate. */
    record LvConvert(Integer mirrors, Boolean repair, @JsonProperty("mirror_log") String mirrorLog, String mwc,
                     @JsonProperty("max_recovery_rate") String maxRecoveryRate, String alloc, List<String> pvs) {
    }

    /** {@code POST /v1/vgs/{vg}/lvs/{lv}/rename}: the new name; force renames an LV with attached clients. */
    record LvRename(String name, Boolean force) {
    }

    /** {@code POST /v1/dm}: create a device with a live table. */
    record DmCreate(String name, String table) {
    }

    /** {@code PUT /v1/dm/{name}/table}: load an inactive table. */
    record DmTable(String table) {
    }

    /** {@code value}, or a 400 naming the missing property. */
    static <T> T required(T value, String property) {
        if (value == null) {
            throw new ControlException(ControlErrors.INVALID_REQUEST_BODY, 400,
                "request body lacks the required property '" + property + "'");
        }
        return value;
    }
}
