package dev.ferry.daemon.activation;

import dev.ferry.daemon.export.BlockDeviceExport;
import dev.ferry.mapper.device.MappedDevice;
import java.util.Set;

/**
 * One LV the {@link Activator} keeps active: its device, export, the PV paths its live table names, the helper devices
 * it needs, its {@link AuxDevices#tier}, and whether it is mirrored (with which region log LV).
 */
record ActiveLv(String vg, String lv, MappedDevice device, BlockDeviceExport export, Set<String> paths,
                Set<String> aux, int tier, boolean mirrored, String mirrorLog) {

    ActiveLv withPaths(Set<String> newPaths, Set<String> newAux) {
        return new ActiveLv(vg, lv, device, export, newPaths, newAux, tier, mirrored, mirrorLog);
    }

    /** Whether NBD clients are attached to its export or another mapped device stacks on it. */
    boolean open() {
        return export.attachedClients() > 0 || device.openCount() > 0;
    }
}
