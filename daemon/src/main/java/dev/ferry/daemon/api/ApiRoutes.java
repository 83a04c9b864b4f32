package dev.ferry.daemon.api;

import dev.ferry.daemon.activation.DeviceExports;
import dev.ferry.daemon.control.ControlRouter;
import dev.ferry.daemon.operations.VolumeOperations;
import dev.ferry.daemon.policy.AllowedPaths;
import dev.ferry.mapper.device.DeviceRegistry;
import java.time.Duration;

/** Installs the whole volume and device-mapper API (routes and error mapping) on a control router. */
public final class ApiRoutes {
    private ApiRoutes() {
    }

    /**
     * Adds the LVM routes over {@code volumes}, the reports, and dmsetup over {@code devices}; maps
     * {@link dev.ferry.daemon.model.VolumeException} to its stable name and HTTP status.
     *
     * @param dmExports      publishes the devices dmsetup creates as NBD exports
     * @param suspendTimeout bounds {@code dmsetup suspend} and resume's implicit suspend
     * @param paths          where PV paths may point
     */
    public static void install(ControlRouter router, VolumeOperations volumes, DeviceRegistry devices,
                               DeviceExports dmExports, Duration suspendTimeout, AllowedPaths paths) {
        ApiErrors.install(router);
        VolumeRoutes.install(router, volumes, paths);
        ReportRoutes.install(router, volumes);
        DmRoutes.install(router, devices, dmExports, suspendTimeout);
    }
}
