package dev.ferry.daemon.activation;

import dev.ferry.daemon.export.BlockDeviceExport;
import dev.ferry.mapper.device.MappedDevice;
import java.time.Duration;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The devices of LVs renamed while open: each is re-pointed at the device of the new name and serves its attached
 * clients until the last one leaves, then goes (unless another device stacks on it; then it stays until stop). No lock
 * of its own: the {@link Activator} calls it holding its monitor.
 */
final class RenamedDevices {
    /** The logger of {@link Activator}, whose renames these are. */
    private static final Logger LOG = LoggerFactory.getLogger(Activator.class);

    private final MapperStack mapper;
    private final Duration suspendTimeout;
    private final Set<BlockDeviceExport> retired = new HashSet<>();

    RenamedDevices(MapperStack mapper, Duration suspendTimeout) {
        this.mapper = mapper;
        this.suspendTimeout = suspendTimeout;
    }

    /**
     * Re-points the suspended device of {@code old}, LV {@code oldName} of VG {@code vg} before its rename to
     * {@code newName}, at the device of {@code renamed} and resumes it; it goes once its last client has left.
     */
    void repoint(ActiveLv old, ActiveLv renamed, String vg, String oldName, String newName) {
        try {
            mapper.registry().load(old.device().name(), "0 " + old.device().size() / LvTables.SECTOR + " linear "
                    + renamed.device().name() + " 0\n");
        } finally {
            ActivationErrors.await(suspendTimeout, old.device().resume(), "resume of " + old.device().name());
        }
        mapper.pvs().release(old.paths());
        retired.add(old.export());
        LOG.info("renamed open LV {}/{} to {}; the old device serves its {} attached clients until they leave",
                vg, oldName, newName, old.export().attachedClients());
        if (old.export().attachedClients() == 0) {
            idle(old.export());
        }
    }

    /**
     * The last client left {@code export}: if it belongs to a renamed LV, its device goes away (unless another
     * device stacks on it; then it stays until stop).
     */
    void idle(BlockDeviceExport export) {
        String device = deviceOf(export);
        Optional<MappedDevice> d = mapper.registry().lookup(device);
        if (!retired.contains(export) || d.isPresent() && d.get().openCount() > 0) {
            return;
        }
        retired.remove(export);
        LOG.info("last client of renamed export {} left; removing device {}", export.name(), device);
        if (d.isPresent()) {
            mapper.registry().remove(device, true);
        }
    }

    /** Forgets every renamed device (at stop, which removes every device). */
    void clear() {
        retired.clear();
    }

    /** The device name behind an export named {@code VG/LV}. */
    private static String deviceOf(BlockDeviceExport export) {
        String[] vgLv = export.name().split("/", 2);
        return Activator.deviceName(vgLv[0], vgLv[1]);
    }
}
